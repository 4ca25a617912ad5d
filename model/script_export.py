"""The run as code: a short, self-contained Python script that builds this network with
these weights and data and trains the same steps with the same settings.

Two flavours: plain numpy (every formula written out, the chain rule by hand, as the
lecture does it) and PyTorch (autograd and `torch.optim`). Both print the error of each
state with the lecture's 9 decimals, and with `--exact` every state as a CSV row of
`repr` floats, which reproduces the app's history to the last bits that matter
(tests/test_script_export.py runs the numpy one and compares).
"""

from __future__ import annotations

from model.config import TrainingConfig
from model.state import Trainer

_ACTIVATIONS = {
    "sigmoid": (
        "np.where(s >= 0, 1.0, np.exp(-np.abs(s))) / (1.0 + np.exp(-np.abs(s)))",
        "a * (1.0 - a)",
    ),
    "tanh": ("np.tanh(s)", "1.0 - a * a"),
    "relu": ("np.maximum(s, 0.0)", "(a > 0).astype(float)"),
    "leaky_relu": ("np.where(s > 0, s, 0.01 * s)", "np.where(a > 0, 1.0, 0.01)"),
    "linear": ("s.copy()", "np.ones_like(a)"),
    "step": ("(s >= 0).astype(float)", None),
}
_TORCH_ACTIVATIONS = {
    "sigmoid": "torch.sigmoid(s)",
    "tanh": "torch.tanh(s)",
    "relu": "torch.relu(s)",
    "leaky_relu": "torch.nn.functional.leaky_relu(s, 0.01)",
    "linear": "s",
}


def _array(values: object) -> str:
    return repr(values).replace("array(", "np.array(")


def _settings(config: TrainingConfig) -> dict[str, object]:
    o = config.optimizer
    return {
        "rule": config.rule,
        "loss": config.loss,
        "eta": config.learning_rate,
        "mode": config.mode,
        "batch_size": config.batch_size,
        "update_biases": config.update_biases,
        "optimizer": o.name,
        "momentum": o.momentum,
        "nesterov": o.nesterov,
        "alpha": o.alpha,
        "beta1": o.beta1,
        "beta2": o.beta2,
        "epsilon": o.epsilon,
        "l1": config.l1,
        "l2": config.l2,
    }


def _segments(trainer: Trainer) -> list[tuple[int, dict[str, object]]]:
    """(number of steps, settings) for each stretch of the history made with one setting."""
    last = trainer.last_step
    log = [(first, config) for first, config in trainer.config_log if first < last]
    if not log:
        return []
    segments = []
    for (first, config), nxt in zip(log, [*log[1:], (last, None)], strict=True):
        segments.append((nxt[0] - first, _settings(config)))
    return segments


def _header(trainer: Trainer, flavour: str) -> str:
    network = trainer.network
    row0 = trainer.history.row(0)
    layout = network.layout
    weights = [
        row0[layout.weights_slice(l)].reshape(network.layers[l], network.layers[l - 1]).tolist()
        for l in range(1, network.depth + 1)
    ]
    biases = [row0[layout.biases_slice(l)].tolist() for l in range(1, network.depth + 1)]
    return f'''"""Backprop Lab, the run as code ({flavour}).

The network, its weights at step 0, the data and the settings of every step, as in the
app. Run it with `python {{this file}}`: it prints the error of every state with 9
decimals; with --exact, every state as CSV (the parameters, then the error), as the app's
history export writes them.
"""

import sys

import numpy as np

LAYERS = {network.layers!r}
ACTIVATIONS = {network.activations!r}
WEIGHTS = {weights!r}  # W[l] for l = 1..L: rows = neurons of layer l, columns = inputs
BIASES = {biases!r}
INPUTS = {trainer.data.inputs.tolist()!r}  # one row per sample
TARGETS = {trainer.data.targets.tolist()!r}
NAMES = {network.parameter_names()!r}
# (steps, settings): the settings of each stretch of the run
SEGMENTS = {_segments(trainer)!r}
'''


def numpy_script(trainer: Trainer) -> str:
    """The run as a numpy-only script."""
    functions = []
    for name in sorted(set(trainer.network.activations)):
        f, df = _ACTIVATIONS[name]
        functions.append(
            f'    "{name}": (lambda s: {f}, ' + (f"lambda a: {df}),") if df else "None),"
        )
    return (
        _header(trainer, "numpy")
        + """

ACTIVATION = {
"""
        + "\n".join(functions)
        + '''
}


def forward(Ws, bs, X):
    """a[0] = X; s[l] = a[l-1] W[l]ᵀ + b[l]; a[l] = f_l(s[l])."""
    outs = [X]
    for W, b, name in zip(Ws, bs, ACTIVATIONS):
        s = outs[-1] @ W.T + b
        outs.append(ACTIVATION[name][0](s))
    return outs


def error(Ws, bs, X, D, loss):
    """E = the mean over the samples of E_p."""
    y = forward(Ws, bs, X)[-1]
    if loss == "squared_error":
        return float(np.mean(0.5 * np.sum((D - y) ** 2, axis=1)))
    with np.errstate(divide="ignore", invalid="ignore"):
        pos = np.where(D != 0.0, D * np.log(y), 0.0)
        neg = np.where(D != 1.0, (1.0 - D) * np.log1p(-y), 0.0)
    return float(np.mean(-np.sum(pos + neg, axis=1)))


def direction(Ws, bs, X, D, s):
    """g for every W[l] and b[l]: the gradient of the mean error over these samples."""
    P = len(X)
    outs = forward(Ws, bs, X)
    y = outs[-1]
    if s["rule"] == "delta":  # the lecture's rule: g = −mean [d − y] x̃
        e = D - y
        return [-(e.T @ X) / P], [-e.mean(axis=0)]
    if s["loss"] == "cross_entropy" and ACTIVATIONS[-1] == "sigmoid":
        delta = y - D  # the factors y(1 − y) cancel
    else:
        dE_dy = y - D if s["loss"] == "squared_error" else (y - D) / (y * (1.0 - y))
        delta = dE_dy * ACTIVATION[ACTIVATIONS[-1]][1](y)
    gW, gb = [], []
    for l in range(len(Ws) - 1, -1, -1):  # the chain rule, from the output back
        gW.insert(0, delta.T @ outs[l] / P)
        gb.insert(0, delta.sum(axis=0) / P)
        if l:
            delta = (delta @ Ws[l]) * ACTIVATION[ACTIVATIONS[l - 1]][1](outs[l])
    return gW, gb


def samples(step, s, P):
    """Online: sample step mod P; batch: all; mini-batch of k: (step·k + i) mod P."""
    if s["mode"] == "batch":
        return np.arange(P)
    k = s["batch_size"] if s["mode"] == "minibatch" else 1
    return (step * k + np.arange(k)) % P


OPTIMIZER_SETTINGS = ("optimizer", "momentum", "nesterov", "alpha", "beta1", "beta2", "epsilon")


def main():
    Ws = [np.array(W, dtype=float) for W in WEIGHTS]
    bs = [np.array(b, dtype=float) for b in BIASES]
    X, D = np.array(INPUTS, dtype=float), np.array(TARGETS, dtype=float)
    exact = "--exact" in sys.argv
    first_loss = SEGMENTS[0][1]["loss"] if SEGMENTS else "squared_error"
    show(0, Ws, bs, error(Ws, bs, X, D, first_loss), exact)
    step = 0
    state, previous = None, None
    for n, s in SEGMENTS:
        kind = {k: s[k] for k in OPTIMIZER_SETTINGS}
        if kind != previous:  # a new optimizer (or new settings of it) starts from zero
            zeros = [np.zeros_like(p) for p in Ws + bs]
            state = {"t": 0, "m": zeros, "v": [z.copy() for z in zeros]}
            previous = kind
        for _ in range(n):
            used = samples(step, s, len(X))
            gW, gb = direction(Ws, bs, X[used], D[used], s)
            gW = [g + s["l2"] * W + s["l1"] * np.sign(W) for g, W in zip(gW, Ws)]
            if not s["update_biases"]:
                gb = [np.zeros_like(g) for g in gb]
            update(Ws + bs, gW + gb, s, state)
            step += 1
            show(step, Ws, bs, error(Ws, bs, X, D, s["loss"]), exact)


def update(params, grads, s, state):
    """θ ← θ − η·(what the optimizer makes of g), each parameter array in place."""
    state["t"] += 1
    t, eta = state["t"], s["eta"]
    for p, g, m, v in zip(params, grads, state["m"], state["v"]):
        if s["optimizer"] == "sgd":
            p -= eta * g
        elif s["optimizer"] == "momentum":
            v *= s["momentum"]
            v += g
            p -= eta * (g + s["momentum"] * v if s["nesterov"] else v)
        elif s["optimizer"] == "rmsprop":
            v *= s["alpha"]
            v += (1.0 - s["alpha"]) * (g * g)
            p -= eta * g / (np.sqrt(v) + s["epsilon"])
        else:  # adam
            m *= s["beta1"]
            m += (1.0 - s["beta1"]) * g
            v *= s["beta2"]
            v += (1.0 - s["beta2"]) * (g * g)
            m_hat = m / (1.0 - s["beta1"] ** t)
            v_hat = v / (1.0 - s["beta2"] ** t)
            p -= eta * m_hat / (np.sqrt(v_hat) + s["epsilon"])


def show(step, Ws, bs, E, exact):
    flat = [x for W, b in zip(Ws, bs) for x in [*W.ravel().tolist(), *b.tolist()]]
    if exact:
        print(",".join([str(step), *map(repr, flat), repr(E)]))
    else:
        values = "  ".join(f"{name}={x:.9f}" for name, x in zip(NAMES, flat))
        print(f"step {step}: E = {E:.9f}  {values}")


if __name__ == "__main__":
    main()
'''
    )


def torch_script(trainer: Trainer) -> str:
    """The run as a PyTorch script: autograd for the gradients, `torch.optim` for the
    optimizers (float64, so the numbers agree with the app's to about 1e-12)."""
    return (
        _header(trainer, "PyTorch")
        + "\nimport torch\n\nACTIVATION = {\n"
        + "\n".join(
            f'    "{name}": lambda s: {_TORCH_ACTIVATIONS[name]},'
            for name in sorted(set(trainer.network.activations))
            if name in _TORCH_ACTIVATIONS
        )
        + "\n}\n"
        + _TORCH_BODY
    )


_TORCH_BODY = """

def forward(params, X):
    a = X
    for (W, b), name in zip(zip(params[0::2], params[1::2]), ACTIVATIONS):
        a = ACTIVATION[name](a @ W.T + b)
    return a


def error(params, X, D, loss):
    y = forward(params, X)
    if loss == "squared_error":
        return (0.5 * ((D - y) ** 2).sum(dim=1)).mean()
    return -(torch.xlogy(D, y) + torch.xlogy(1.0 - D, 1.0 - y)).sum(dim=1).mean()


def optimizer_for(params, s):
    name, lr = s["optimizer"], s["eta"]
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=s["momentum"], nesterov=s["nesterov"])
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=s["alpha"], eps=s["epsilon"])
    return torch.optim.Adam(params, lr=lr, betas=(s["beta1"], s["beta2"]), eps=s["epsilon"])


def samples(step, s, P):
    if s["mode"] == "batch":
        return torch.arange(P)
    k = s["batch_size"] if s["mode"] == "minibatch" else 1
    return (step * k + torch.arange(k)) % P


def main():
    torch.set_default_dtype(torch.float64)
    params = []
    for W, b in zip(WEIGHTS, BIASES):
        params += [torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)]
    X, D = torch.tensor(INPUTS), torch.tensor(TARGETS)
    exact = "--exact" in sys.argv
    first_loss = SEGMENTS[0][1]["loss"] if SEGMENTS else "squared_error"
    show(0, params, error(params, X, D, first_loss), exact)
    step, opt, previous = 0, None, None
    for n, s in SEGMENTS:
        kind = {k: s[k] for k in OPTIMIZER_SETTINGS}
        if kind != previous:  # a new optimizer (or new settings of it) starts from zero
            opt, previous = optimizer_for(params, s), kind
        for group in opt.param_groups:
            group["lr"] = s["eta"]
        for _ in range(n):
            used = samples(step, s, len(X))
            opt.zero_grad()
            if s["rule"] == "delta":  # the lecture's rule: g = −mean [d − y] x̃
                with torch.no_grad():
                    e = D[used] - forward(params, X[used])
                    params[0].grad = -(e.T @ X[used]) / len(used)
                    params[1].grad = -e.mean(dim=0)
            else:
                error(params, X[used], D[used], s["loss"]).backward()
            with torch.no_grad():
                for W in params[0::2]:  # the penalties, on the weights only
                    W.grad += s["l2"] * W + s["l1"] * torch.sign(W)
                if not s["update_biases"]:
                    for b in params[1::2]:
                        b.grad.zero_()
            opt.step()
            step += 1
            with torch.no_grad():
                show(step, params, error(params, X, D, s["loss"]), exact)


OPTIMIZER_SETTINGS = ("optimizer", "momentum", "nesterov", "alpha", "beta1", "beta2", "epsilon")


def show(step, params, E, exact):
    flat = torch.cat([p.detach().reshape(-1) for p in params]).tolist()
    if exact:
        print(",".join([str(step), *map(repr, flat), repr(float(E))]))
    else:
        values = "  ".join(f"{name}={x:.9f}" for name, x in zip(NAMES, flat))
        print(f"step {step}: E = {float(E):.9f}  {values}")


if __name__ == "__main__":
    main()
"""
