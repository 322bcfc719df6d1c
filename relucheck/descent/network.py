"""The two-layer network's population loss as a function of one packed parameter array.

A batch of students is theta (B, K, d) when the top weights a are fixed, or (B, K, d + 1) when
they are trained, the last column holding a_j. Integrators and Hessians then see one array.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from relucheck.theory.gradient import gradient_a, gradient_K, population_loss


@dataclass(frozen=True)
class Network:
    """Teacher (W*, a*) and the student's top layer: fixed at ``a`` or trained (``a is None``)."""

    W_star: np.ndarray  # (K*, d)
    a_star: np.ndarray  # (K*,)
    a: np.ndarray | None  # (K,) fixed top weights, or None when they are trained

    @property
    def trained(self) -> bool:
        return self.a is None

    def pack(self, W: np.ndarray, a: np.ndarray | None = None) -> np.ndarray:
        """theta from student rows W (B, K, d) and, when trained, top weights a (B, K)."""
        if not self.trained:
            return np.array(W, dtype=float)
        return np.concatenate([W, np.asarray(a, dtype=float)[..., None]], axis=-1)

    def split(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(W, a) with a broadcast to theta's batch shape."""
        if self.trained:
            return theta[..., :-1], theta[..., -1]
        return theta, np.broadcast_to(self.a, theta.shape[:-1])

    def loss(self, theta: np.ndarray) -> np.ndarray:
        W, a = self.split(theta)
        return population_loss(W, self.W_star, a, self.a_star)

    def grad(self, theta: np.ndarray, index: np.ndarray | None = None) -> np.ndarray:
        """Gradient of the loss in theta: Eqn 8 for W and, when trained, dJ/da."""
        W, a = self.split(theta)
        gW = gradient_K(W, self.W_star, a, self.a_star)
        if not self.trained:
            return gW
        return np.concatenate([gW, gradient_a(W, self.W_star, a, self.a_star)[..., None]], -1)

    def zero_loss(self) -> float:
        """J of the zero student, E[g*^2]/2: the scale of a relative function error."""
        zero = np.zeros_like(self.W_star)
        return float(population_loss(zero, self.W_star, None, self.a_star))

    def rounding(self, theta: np.ndarray) -> np.ndarray:
        """Bound on the rounding error of :meth:`loss`: J sums K^2 + K*^2 + 2 K K* kernel terms
        whose magnitudes add up to at most E[g^2] + E[g*^2] (Cauchy-Schwarz), each with a relative
        error of a few eps; 4 (K + K*)^2 eps times that scale covers it."""
        K = theta.shape[-2]
        Ks = self.W_star.shape[0]
        return 4 * (K + Ks) ** 2 * np.finfo(float).eps * self.loss_scale(theta)

    def loss_scale(self, theta: np.ndarray) -> np.ndarray:
        """E[g^2] + E[g*^2] >= the sum of the magnitudes of the terms of J (Cauchy-Schwarz):
        the scale of J's rounding error."""
        W, a = self.split(theta)
        zero = np.zeros_like(self.W_star)
        return 2 * (population_loss(W, 0 * W, a, a)
                    + population_loss(zero, self.W_star, None, self.a_star))

    def symmetry_directions(self, theta: np.ndarray) -> np.ndarray:
        """Tangents (B, K, P) of the rescaling orbits a_j relu(w_j . x) = (a_j/c) relu(c w_j . x)
        when a is trained: d/ds (e^s w_j, e^-s a_j) = (w_j, -a_j). None of them when a is fixed."""
        if not self.trained:
            return np.zeros(theta.shape[:1] + (0,) + (theta[0].size,))
        B, K, cols = theta.shape
        V = np.zeros((B, K, K, cols))
        idx = np.arange(K)
        V[:, idx, idx, :-1] = theta[:, :, :-1]
        V[:, idx, idx, -1] = -theta[:, :, -1]
        return V.reshape(B, K, K * cols)
