"""The compressed-index engine: J, its gradient and Hessian bilinear forms at a pattern point
in O(1) operations for any k.

A pattern point W (k x k, teacher I_k) is invariant under a group that contains S = Sym(generic),
the permutations of the "generic" indices (those outside a finite set D of distinguished
indices), acting on rows and input coordinates at once. A *frame* keeps the |D| distinguished
indices, two representative generic indices r1, r2 and one "bulk" slot standing for the other
k - |D| - 2 generic indices (all equal on an S-invariant vector). For S-invariant matrices
(W itself and the test directions used here):

- inner products: sum over explicit slots + (k - |D| - 2) * bulk * bulk;
- a sum over rows j (or teachers): sum over j in D + (k - |D|) * (term at r1);
- for a fixed row j, a sum over partners l (rows or teachers): sum over l in D, then
  (k - |D|) * (term at r1) if j in D, or (term at r1) + (k - |D| - 1) * (term at r2) if j = r1.

These counting rules are exact because S fixes every distinguished index and is transitive on
the generic ones (and on ordered pairs of distinct generic ones). Every count is a polynomial
in k, so the same code is the analytic continuation in real k.

Second derivatives of k(u, v) = |u||v| h(t)/(2 pi) (MATH.md section 8), p = v^ - cos t u^,
q = u^ - cos t v^, applied to directions d, d':
    d^T A(u, v) d'  = |v|/(2 pi |u|) [(d.p)(d'.p)/s + s (d.d' - (d.u^)(d'.u^))]
    d^T C(u, v) d'  = [(pi - t) d.d' + (d.p)(q.d')/s + s (d.u^)(v^.d')] / (2 pi)
and the Hessian of J (a = a* = 1): H_jj = I/2 + sum_{l != j} A(w_j, w_l) - sum_l A(w_j, e_l),
H_jl = C(w_j, w_l) (l != j). Gradient: grad_j J = sum_l G(w_j, w_l) - sum_l G(w_j, e_l),
G(u, v) = [(pi - t) v + |v| s u^]/(2 pi), G(w, w) = w/2.
"""

from __future__ import annotations

BULK = -1  # column index of "a generic coordinate distinct from every explicit one"


class Frame:
    """A pattern point seen through ``n_dist`` distinguished indices (see the module doc).

    ``pattern`` provides ``entry_class(i, j)`` (index of the unknown at W[i, j]; j may be BULK)
    and ``n_special``. ``u`` are the unknowns (numbers of the kit, or exact ints/floats), ``k``
    the dimension (int, or a real number for continuation).
    """

    def __init__(self, pattern, u, k, kit, n_dist):
        K = self.K = kit
        if n_dist < pattern.n_special:
            raise ValueError("the special indices must be distinguished")
        self.nD = n_dist
        self.r1, self.r2, self.b = n_dist, n_dist + 1, n_dist + 2
        self.pos = list(range(n_dist + 2))
        kk = k if not isinstance(k, int | float) else K.num(k)
        self.G = kk - n_dist
        self.Nb = kk - (n_dist + 2)
        self.pattern = pattern
        uu = [x if not isinstance(x, int | float) else K.num(x) for x in u]
        self.W = [[uu[pattern.entry_class(i, j)] for j in self.pos]
                  + [uu[pattern.entry_class(i, BULK)]] for i in self.pos]
        self.sq = [self.dot(w, w) for w in self.W]
        self.nrm = [K.sqrt(x) for x in self.sq]
        self.two_pi = 2 * K.pi
        self.pi = K.pi
        self._geo = {}
        # the orders of summation (weights None mean 1)
        self.rows = [(j, None) for j in range(n_dist)] + [(self.r1, self.G)]
        head = [(j, None) for j in range(n_dist)]
        self._partners_d = head + [(self.r1, self.G)]
        self._partners_r = head + [(self.r1, None), (self.r2, self.G - 1)]

    # -- vectors ------------------------------------------------------------------------
    def dot(self, x, y):
        """Inner product of two dense compressed vectors (explicit slots, then bulk)."""
        s = x[0] * y[0]
        for i in range(1, self.b):
            s = s + x[i] * y[i]
        return s + self.Nb * (x[self.b] * y[self.b])

    def sparse(self, rule):
        """Rows of an S-invariant test matrix given by rule(i, j) (j may be BULK) as dicts
        {slot: value} of its nonzero entries (exact ints/floats converted by the kit)."""
        out = []
        for i in self.pos:
            row = {}
            for j in [*self.pos, BULK]:
                v = rule(i, j)
                if v != 0:
                    row[self.b if j == BULK else j] = self.K.num(v)
            out.append(row)
        return out

    def sdot(self, d, x):
        """sparse . dense"""
        s = 0
        for i, v in d.items():
            s = s + (v * x[i] if i != self.b else self.Nb * (v * x[i]))
        return s

    def ssdot(self, d, e):
        """sparse . sparse"""
        if len(e) < len(d):
            d, e = e, d
        s = 0
        for i, v in d.items():
            w = e.get(i)
            if w is not None:
                s = s + (v * w if i != self.b else self.Nb * (v * w))
        return s

    def partners(self, j):
        return self._partners_d if j < self.nD else self._partners_r

    def _cls(self, i):
        return i if i < self.pattern.n_special else -1

    # -- geometry of a pair (row j, row l) or (row j, teacher l) --------------------------
    def geo(self, j, li, teacher):
        key = (teacher, self._cls(j), self._cls(li), j == li)
        g = self._geo.get(key)
        if g is None:
            K = self.K
            nu = self.nrm[j]
            if teacher:
                nv = K.num(1)
                ip = self.W[j][li]
            else:
                nv = self.nrm[li]
                ip = self.dot(self.W[j], self.W[li])
            c = ip / (nu * nv)
            t = K.acos(c)
            s = K.sqrt((1 - c) * (1 + c))
            pt = self.pi - t
            kap = nu * nv * (pt * c + s) / self.two_pi
            g = self._geo[key] = (nu, nv, c, s, pt, kap, nv / (self.two_pi * nu))
        return g

    # -- the loss ---------------------------------------------------------------------
    def loss(self):
        K = self.K
        total = 0
        for j, wj in self.rows:
            acc = 0
            for li, wl in self.partners(j):
                ks = self.sq[j] / 2 if li == j else self.geo(j, li, False)[5]
                term = ks / 2 - self.geo(j, li, True)[5]
                acc = acc + (term if wl is None else wl * term)
            total = total + (acc if wj is None else wj * acc)
        kk = self.G + self.nD
        const = kk / 4 + kk * (kk - 1) / (4 * K.pi)  # 1/2 sum_{j,li} k(e_j, e_l)
        return total + const

    # -- tests: gradient coordinates and Hessian bilinear forms ---------------------------
    def _prepare(self, rules):
        S = [self.sparse(r) for r in rules]
        DW = [[[self.sdot(S[p][i], self.W[jj]) for jj in self.pos] for i in self.pos]
              for p in range(len(rules))]
        return S, DW

    def gradient(self, rules):
        """<grad J, T_p> for the S-invariant test matrices T_p = rules[p] (for the basis E_p of
        the fixed-point space these are the partial derivatives of J in the unknowns)."""
        S, DW = self._prepare(rules)
        out = []
        for p in range(len(rules)):
            total = 0
            for j, wj in self.rows:
                d = S[p][j]
                if not d:
                    continue
                acc = 0
                dwj = DW[p][j][j]
                for li, wl in self.partners(j):
                    if li == j:
                        term = dwj / 2
                    else:
                        nu, nv, _, s, pt, _, _ = self.geo(j, li, False)
                        term = (pt * DW[p][j][li] + nv * s * dwj / nu) / self.two_pi
                    nu, _, _, s, pt, _, _ = self.geo(j, li, True)
                    term = term - (pt * d.get(li, 0) + s * dwj / nu) / self.two_pi
                    acc = acc + (term if wl is None else wl * term)
                total = total + (acc if wj is None else wj * acc)
            out.append(total)
        return out

    def gram(self, rules):
        """Frobenius Gram matrix <T_p, T_q> of test matrices."""
        S = [self.sparse(r) for r in rules]
        n = len(rules)
        G = [[0] * n for _ in range(n)]
        for p in range(n):
            for q in range(p, n):
                tot = 0
                for j, wj in self.rows:
                    x = self.ssdot(S[p][j], S[q][j])
                    tot = tot + (x if wj is None else wj * x)
                G[p][q] = G[q][p] = tot
        return G

    def hessian_form(self, rules):
        """The matrix B_pq = <T_p, H T_q> (H the full Hessian of J) for S-invariant T_p."""
        K = self.K
        S, DW = self._prepare(rules)
        n = len(rules)
        B = [[0] * n for _ in range(n)]
        norms = {}

        def snorm(p, i):
            key = (p, i)
            if key not in norms:
                norms[key] = K.sqrt(self.ssdot(S[p][i], S[p][i]))
            return norms[key]

        live = [[p for p in range(n) if S[p][j]] for j in self.pos]
        for j, wj in self.rows:
            lj = live[j]
            if not lj:
                continue
            acc = {}
            nu_j = self.nrm[j]
            a = {p: DW[p][j][j] / nu_j for p in lj}  # d_j . u^
            for p in lj:
                for q in lj:
                    if q >= p:
                        acc[p, q] = self.ssdot(S[p][j], S[q][j]) / 2
            for li, wl in self.partners(j):
                terms = {}
                # teacher li: - A(w_j, e_l)
                nu, nv, c, s, pt, _, cA = self.geo(j, li, True)
                P = {p: S[p][j].get(li, 0) - c * a[p] for p in lj}
                for p in lj:
                    for q in lj:
                        if q < p:
                            continue
                        x = K.div_s(P[p] * P[q], s,
                                    lambda p=p, q=q, s=s, j=j: snorm(p, j) * snorm(q, j) * s)
                        x = x + s * (self.ssdot(S[p][j], S[q][j]) - a[p] * a[q])
                        terms[p, q] = -(cA * x)
                if li != j:
                    nu, nv, c, s, pt, _, cA = self.geo(j, li, False)
                    b = {p: DW[p][j][li] / nv for p in lj}  # d_j . v^
                    P = {p: b[p] - c * a[p] for p in lj}
                    for p in lj:
                        for q in lj:
                            if q < p:
                                continue
                            x = K.div_s(P[p] * P[q], s,
                                        lambda p=p, q=q, s=s, j=j: snorm(p, j) * snorm(q, j) * s)
                            x = x + s * (self.ssdot(S[p][j], S[q][j]) - a[p] * a[q])
                            terms[p, q] = terms[p, q] + cA * x
                    # cross term d^p_j C(w_j, w_l) d^q_l, all (p, q): symmetrised below
                    for q in live[li]:
                        al = DW[q][li][li] / nv  # d'_l . v^
                        be = DW[q][li][j] / nu  # d'_l . u^
                        Q = be - c * al
                        for p in lj:
                            x = pt * self.ssdot(S[p][j], S[q][li])
                            x = x + K.div_s(
                                P[p] * Q, s,
                                lambda p=p, q=q, s=s, j=j, li=li: snorm(p, j) * snorm(q, li) * s)
                            x = x + s * a[p] * al
                            x = x / self.two_pi
                            key = (p, q) if p <= q else (q, p)
                            if p == q:
                                terms[key] = terms.get(key, 0) + x
                            else:  # B_pq and B_qp each get half of this and of its mirror
                                terms[key] = terms.get(key, 0) + x / 2
                for key, x in terms.items():
                    acc[key] = acc.get(key, 0) + (x if wl is None else wl * x)
            for (p, q), x in acc.items():
                B[p][q] = B[p][q] + (x if wj is None else wj * x)
        for p in range(n):
            for q in range(p + 1, n):
                B[q][p] = B[p][q]
        return B
