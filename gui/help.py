"""Help texts: a short guide to the algorithm, the keyboard shortcuts, About."""

from __future__ import annotations

from PySide6 import QtWidgets

GUIDE_HTML = """
<h2>Backpropagation, one step at a time</h2>
<p>A neuron adds up its inputs, each multiplied by a <b>weight</b>, plus a <b>bias</b>
(the weight of an extra input that is always +1), and passes the sum <i>s</i> through an
<b>activation function</b> <i>f</i>. Training means nudging every weight and bias so that
the output <i>y</i> comes closer to the desired output <i>d</i>.</p>

<h3>The lecture's example</h3>
<p>Inputs X<sub>1</sub> = 0.1, X<sub>2</sub> = 0.3, desired output 0.03, weights
W<sub>1</sub> = 0.5, W<sub>2</sub> = 0.2, bias b = 1.83, sigmoid activation, η = 0.01.
Press <b>Step</b> once and the right-hand panel shows the whole calculation:</p>
<ol>
<li><b>Forward pass.</b> s = X<sub>1</sub>·W<sub>1</sub> + X<sub>2</sub>·W<sub>2</sub> + b
= 1.94, then y = f(s) = 1/(1+e<sup>−1.94</sup>) = 0.874352143.</li>
<li><b>Error.</b> E = ½(d − y)<sup>2</sup> = 0.356465271: large, so the weights must move.</li>
<li><b>Update.</b> The lecture's rule W(n+1) = W(n) + η[d − Y]X moves every parameter
in proportion to the error and to its own input: [b, W<sub>1</sub>, W<sub>2</sub>] becomes
[1.821556479, 0.499155648, 0.197466944]. The new error is 0.355601244: a little smaller.</li>
</ol>

<h3>Two rules</h3>
<p><b>The lecture's rule</b> (the delta rule) needs the error d − Y at the neuron, so it works
only without hidden layers. For a sigmoid output it is exactly gradient descent on the
cross-entropy loss. <b>Backprop</b> computes ∂E/∂w for every weight with the chain rule,
∂E/∂w = ∂E/∂y · ∂y/∂s · ∂s/∂w, passing the error backwards layer by layer, and then
moves every weight downhill: w ← w − η·∂E/∂w. Switch the rule in the Training panel and
compare the explanations.</p>

<h3>Online and batch</h3>
<p><b>Online</b>: each step learns from one sample, in table order. <b>Batch</b>: each step
uses the mean gradient over all samples. The highlighted rows of the data table show which
sample(s) the last step used; yellow parameter cells are the ones that step changed.</p>

<h3>What can go wrong (the lecture's drawbacks)</h3>
<ul>
<li><b>Vanishing gradients.</b> The sigmoid's slope is at most 0.25, so every sigmoid layer
shrinks the error signal that passes backwards: deep sigmoid networks learn slowly in their
first layers.</li>
<li><b>Non-convex error.</b> With hidden layers (try XOR) the error surface has plateaus and
local minima: the error plot can sit flat for a long time, and some starting weights never
reach zero error.</li>
<li><b>Non-differentiable activations.</b> The step function has slope 0 everywhere (and
none at 0), so backprop has nothing to pass back: choose it and only the lecture's rule
remains.</li>
<li><b>Layer locking.</b> The forward pass must finish layer by layer before the backward pass
can start, and every layer waits for the ones after it before it can update. The Network tab
walks through each Step as the lecture tells it (▶ Walk through, ◀ and ▶| for one phase at a
time, at a pace you choose): the forward pass with the old weights and their numbers, the
error, the backward pass from the output layer back, and only then the update, every layer at
once, old → new.</li>
<li><b>Divergence.</b> Too large a learning rate makes the parameters overshoot and blow up:
the run stops at the last finite state, which is usually absurd already (parameters near
1e151), and offers to go back to the step before the error started to explode (or any step
you choose) with half the learning rate.</li>
</ul>

<h3>Moving through time</h3>
<p>Click a point of either plot, drag the red marker or the timeline slider to go to any
earlier step: the tables and the explanation follow. Pressing Step there continues from
that state and discards the later steps (Ctrl+Z brings them back).</p>
"""

SHORTCUTS_HTML = """
<table cellpadding="4">
<tr><td><b>→</b></td><td>Step</td></tr>
<tr><td><b>←</b></td><td>Step back</td></tr>
<tr><td><b>Space</b></td><td>Run / Pause</td></tr>
<tr><td><b>Ctrl+R</b></td><td>Reset to the initial parameters</td></tr>
<tr><td><b>Ctrl+Z / Ctrl+Shift+Z</b></td><td>Undo / Redo an edit</td></tr>
<tr><td><b>Ctrl+O / Ctrl+S / Ctrl+Shift+S</b></td><td>Open / Save / Save as</td></tr>
<tr><td><b>Ctrl+E</b></td><td>Export the parameter history (CSV or JSON)</td></tr>
<tr><td><b>Ctrl+Shift+E</b></td><td>Export the plots (PNG)</td></tr>
<tr><td><b>F1</b></td><td>This guide</td></tr>
<tr><td><b>F2</b> or typing</td>
<td>Edit the selected table cell (Enter to accept, Esc to cancel)</td></tr>
</table>
<p>→, ← and Space act on the window when the focus is not in a table or an input field.
Space on a button reached with Tab presses that button (on a check box it toggles it), as in
every desktop app; a mouse click leaves the focus where it was, so Space stays Run.</p>
"""

ABOUT_HTML = """
<h3>Backprop Lab</h3>
<p>Train a small neural network one step at a time and see every number backpropagation
computes: the forward pass, the error, the gradients and the update.</p>
<p>Built with Python, NumPy, Qt for Python (PySide6) and pyqtgraph.</p>
"""


def show_text(parent: QtWidgets.QWidget, title: str, html: str) -> QtWidgets.QDialog:
    """A non-modal, resizable dialog showing rich text (kept open beside the window)."""
    dialog = QtWidgets.QDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setObjectName("helpDialog")
    browser = QtWidgets.QTextBrowser(dialog)
    browser.setHtml(html)
    buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.close)
    layout = QtWidgets.QVBoxLayout(dialog)
    layout.addWidget(browser)
    layout.addWidget(buttons)
    dialog.resize(620, 640)
    dialog.show()
    return dialog
