"""Optimisers: SGD (with momentum, Nesterov, dampening, weight decay), RMSprop, Adam and AdamW.

Each applies, to every parameter that has a gradient, exactly the update
rule of its ``torch.optim`` namesake, with the same defaults, so that a
scratch model and a PyTorch model that start equal stay equal step for step.
Writing ``g`` for the gradient, ``p`` for the parameter and ``lr`` for the
learning rate:

- SGD: ``p -= lr * g`` (with momentum, ``g`` is replaced by a running sum
  of past gradients, see :class:`SGD`).
- RMSprop: divide ``g`` by the root of a running mean of ``g**2``, so that
  every parameter takes steps of similar size.
- Adam: momentum and RMSprop combined, with both running means corrected
  for their start at zero.

State (momentum buffers, running means) is kept per parameter in
``optimizer.state``; ``optimizer.lr`` can be changed between steps (a
learning-rate schedule).
"""
from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from .parameter import Parameter
from ..checks import as_number

__all__ = ["Adam", "AdamW", "Optimizer", "RMSprop", "SGD"]


class Optimizer:
    """Base class: holds the parameters, their state, and steps them.

    Args:
        params: the parameters to update (``model.parameters()``).
        lr: the learning rate, ``>= 0``.
    """

    def __init__(self, params: Iterable[Parameter], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("the optimiser got an empty list of parameters")
        for p in self.params:
            if not isinstance(p, Parameter):
                raise ValueError(f"expected Parameter objects (model.parameters()), got {type(p).__name__}")
        _check_non_negative(lr=lr)
        self.lr = lr
        self.state: list[dict[str, np.ndarray | int]] = [{} for _ in self.params]

    def step(self) -> None:
        """Update every parameter that has a gradient (parameters whose ``grad`` is ``None`` are skipped)."""
        for p, state in zip(self.params, self.state):
            if p.grad is not None:
                self._update(p, p.grad, state)

    def zero_grad(self) -> None:
        """Set every gradient to ``None``."""
        for p in self.params:
            p.grad = None

    def _update(self, p: Parameter, grad: np.ndarray, state: dict) -> None:
        """Update ``p.data`` in place from its gradient ``grad``; ``state`` is this parameter's memory between steps."""
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum (``torch.optim.SGD``).

    Args:
        params: the parameters.
        lr: learning rate (PyTorch's default 1e-3).
        momentum: ``mu``, how much of the previous step to keep (0: plain SGD).
        dampening: ``tau``, how much to damp each new gradient in the momentum sum.
        weight_decay: ``lambda``, L2 penalty: ``lambda * p`` is added to the gradient.
        nesterov: use Nesterov momentum (needs ``momentum > 0`` and ``dampening = 0``).

    The update, per parameter::

        g = grad + lambda * p
        b = g                               (first step)
        b = mu * b + (1 - tau) * g          (later steps)
        g = g + mu * b  if nesterov  else  b
        p = p - lr * g
    """

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        _check_non_negative(momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(f"Nesterov momentum needs momentum > 0 and dampening = 0, got {momentum}, {dampening}")
        self.momentum, self.dampening = momentum, dampening
        self.weight_decay, self.nesterov = weight_decay, nesterov

    def _update(self, p: Parameter, grad: np.ndarray, state: dict) -> None:
        g = grad + self.weight_decay * p.data if self.weight_decay else grad
        if self.momentum:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = g.copy()
            else:
                buffer *= self.momentum
                buffer += (1 - self.dampening) * g
            g = g + self.momentum * buffer if self.nesterov else buffer
        p.data -= self.lr * g


class RMSprop(Optimizer):
    """RMSprop (``torch.optim.RMSprop``): each step divided by a running root-mean-square of the gradients.

    Args:
        params: the parameters.
        lr: learning rate (PyTorch's default 1e-2).
        alpha: smoothing constant of the running mean of ``g**2``.
        eps: added to the denominator.
        weight_decay: L2 penalty added to the gradient.
        momentum: momentum on the scaled step (0: none).
        centered: divide by an estimate of the gradient's standard deviation
            (subtracting the running mean of ``g``) instead of its root mean square.

    The update, per parameter, with ``s`` and ``m`` starting at zero::

        g = grad + weight_decay * p
        s = alpha * s + (1 - alpha) * g**2
        m = alpha * m + (1 - alpha) * g                 (centered only)
        d = sqrt(s - m**2) + eps  if centered  else  sqrt(s) + eps
        b = momentum * b + g / d;   p = p - lr * b     (with momentum)
        p = p - lr * g / d                              (without)
    """

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        super().__init__(params, lr)
        _check_non_negative(alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum)
        self.alpha, self.eps, self.weight_decay = alpha, eps, weight_decay
        self.momentum, self.centered = momentum, centered

    def _update(self, p: Parameter, grad: np.ndarray, state: dict) -> None:
        g = grad + self.weight_decay * p.data if self.weight_decay else grad
        if not state:
            state["square_avg"] = np.zeros_like(p.data)
            if self.centered:
                state["grad_avg"] = np.zeros_like(p.data)
            if self.momentum > 0:
                state["momentum_buffer"] = np.zeros_like(p.data)
        square_avg = state["square_avg"]
        square_avg *= self.alpha
        square_avg += (1 - self.alpha) * g * g
        if self.centered:
            grad_avg = state["grad_avg"]
            grad_avg += (1 - self.alpha) * (g - grad_avg)  # = alpha * m + (1 - alpha) * g
            denominator = np.sqrt(square_avg - grad_avg * grad_avg) + self.eps
        else:
            denominator = np.sqrt(square_avg) + self.eps
        if self.momentum > 0:
            buffer = state["momentum_buffer"]
            buffer *= self.momentum
            buffer += g / denominator
            p.data -= self.lr * buffer
        else:
            p.data -= self.lr * (g / denominator)


class Adam(Optimizer):
    """Adam (``torch.optim.Adam``): momentum and RMSprop, with bias-corrected running means.

    Args:
        params: the parameters.
        lr: learning rate (PyTorch's default 1e-3).
        betas: ``(beta1, beta2)``, smoothing constants of the running means of ``g`` and ``g**2``.
        eps: added to the denominator.
        weight_decay: L2 penalty added to the gradient (Adam), or, with
            ``decoupled_weight_decay=True``, a shrinking of the weights
            applied directly (AdamW).
        amsgrad: divide by the largest running mean of ``g**2`` seen so far.
        decoupled_weight_decay: apply the weight decay as AdamW does.

    The update at step ``t = 1, 2, ...``, with ``m`` and ``v`` starting at zero::

        p = p * (1 - lr * weight_decay)                       (decoupled only)
        g = grad + weight_decay * p                           (not decoupled)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        v_max = max(v_max, v);  v = v_max                     (amsgrad only)
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    The divisions by ``1 - beta**t`` undo the pull towards zero of the
    running means in the first steps.
    """

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        decoupled_weight_decay: bool = False,
    ) -> None:
        super().__init__(params, lr)
        _check_non_negative(eps=eps, weight_decay=weight_decay)
        if len(betas) != 2 or not all(0 <= b < 1 for b in betas):
            raise ValueError(f"betas must be two numbers in [0, 1), got {betas!r}")
        self.betas, self.eps, self.weight_decay = tuple(betas), eps, weight_decay
        self.amsgrad, self.decoupled_weight_decay = amsgrad, decoupled_weight_decay

    def _update(self, p: Parameter, grad: np.ndarray, state: dict) -> None:
        beta1, beta2 = self.betas
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p.data)
            state["exp_avg_sq"] = np.zeros_like(p.data)
            if self.amsgrad:
                state["max_exp_avg_sq"] = np.zeros_like(p.data)
        state["step"] += 1
        step = state["step"]
        g = grad
        if self.weight_decay and self.decoupled_weight_decay:
            p.data *= 1 - self.lr * self.weight_decay
        elif self.weight_decay:
            g = grad + self.weight_decay * p.data
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m += (1 - beta1) * (g - m)  # = beta1 * m + (1 - beta1) * g
        v *= beta2
        v += (1 - beta2) * g * g
        if self.amsgrad:
            np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        step_size = self.lr / (1 - beta1**step)
        denominator = np.sqrt(v) / math.sqrt(1 - beta2**step) + self.eps
        p.data -= step_size * (m / denominator)


class AdamW(Adam):
    """AdamW (``torch.optim.AdamW``): Adam with decoupled weight decay, default ``weight_decay=1e-2``."""

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, decoupled_weight_decay=True)


def _check_non_negative(**values: float) -> None:
    """Raise a ValueError naming the first of ``values`` that is not a non-negative number."""
    for name, value in values.items():
        as_number(name, value, 0)
