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

Second derivatives of k(u, v) = |u||v| h(t)/(2 pi) (docs/math.md section 8), p = v^ - cos t u^,
q = u^ - cos t v^, applied to directions d, d':
    d^T A(u, v) d'  = |v|/(2 pi |u|) [(d.p)(d'.p)/s + s (d.d' - (d.u^)(d'.u^))]
    d^T C(u, v) d'  = [(pi - t) d.d' + (d.p)(q.d')/s + s (d.u^)(v^.d')] / (2 pi)
and the Hessian of J (a = a* = 1): H_jj = I/2 + sum_{l != j} A(w_j, w_l) - sum_l A(w_j, e_l),
H_jl = C(w_j, w_l) (l != j). Gradient: grad_j J = sum_l G(w_j, w_l) - sum_l G(w_j, e_l),
G(u, v) = [(pi - t) v + |v| s u^]/(2 pi), G(w, w) = w/2.
"""

from __future__ import annotations

BULK = -1  # column index of "a generic coordinate distinct from every explicit one"
_SPARSE: dict = {}  # (rules, n_dist) -> sparse test rows and their inner-product table


class Frame:
    """A pattern point seen through ``n_dist`` distinguished indices (see the module doc).

    ``pattern`` provides ``entry_class(i, j)`` (index of the unknown at W[i, j]; j may be BULK)
    and ``n_special``. ``u`` are the unknowns (numbers of the kit, or exact ints/floats), ``k``
    the dimension (int, or a real number for continuation).
    """

    def __init__(self, pattern, u, k, kit, n_dist, geo_cache=None):
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
        # pair geometry depends only on the point, not on the frame: frames of one point may
        # share it (geo_cache = a dict, passed to each)
        if geo_cache is None:
            geo_cache = {}
        self._geo = geo_cache.setdefault("geo", {})
        self._geo_pos = {}  # (teacher, j, l) -> geometry, this frame's positions
        self._inv_s = geo_cache.setdefault("inv_s", {})
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

    def sparse(self, rules):
        """Rows of S-invariant test matrices given by rule(i, j) (j may be BULK) as dicts
        {slot: exact int} of their nonzero entries, with the table of their mutual inner
        products as exact (explicit part, bulk part) pairs; cached per (rules, n_dist)."""
        key = (rules, self.nD)
        hit = _SPARSE.get(key)
        if hit is None:
            S = []
            for rule in rules:
                rows = []
                for i in self.pos:
                    row = {}
                    for j in [*self.pos, BULK]:
                        v = rule(i, j)
                        if v != 0:
                            row[self.b if j == BULK else j] = v
                    rows.append(row)
                S.append(rows)
            hit = _SPARSE[key] = (S, {})
        return hit

    def ssdot(self, S, table, p, i, q, j):
        """<row i of T_p, row j of T_q> (exact ints combined with the bulk count)."""
        key = (p, i, q, j)
        ex = table.get(key)
        if ex is None:
            d, e = S[p][i], S[q][j]
            ex0 = sum(v * e[m] for m, v in d.items() if m in e and m != self.b)
            bk = d.get(self.b, 0) * e.get(self.b, 0)
            ex = table[key] = (ex0, bk)
        if ex[1] == 0:
            return ex[0]
        return ex[0] + self.Nb * ex[1]

    def sdot(self, d, x):
        """sparse . dense"""
        s = 0
        for i, v in d.items():
            s = s + (v * x[i] if i != self.b else self.Nb * (v * x[i]))
        return s

    def partners(self, j):
        return self._partners_d if j < self.nD else self._partners_r

    def _cls(self, i):
        return i if i < self.pattern.n_special else -1

    # -- geometry of a pair (row j, row l) or (row j, teacher l) --------------------------
    def geo(self, j, li, teacher):
        g = self._geo_pos.get((teacher, j, li))
        if g is not None:
            return g
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
            # 1/s where s is provably positive (else None: the bounded form is used)
            self._inv_s[key] = 1 / s if (s > 0) else None
        self._geo_pos[teacher, j, li] = g
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
        S, table = self.sparse(rules)
        zero = [0] * len(self.pos)
        DW = [[[self.sdot(S[p][i], self.W[jj]) for jj in self.pos] if S[p][i] else zero
               for i in self.pos] for p in range(len(rules))]
        return S, table, DW

    def gradient(self, rules):
        """<grad J, T_p> for the S-invariant test matrices T_p = rules[p] (for the basis E_p of
        the fixed-point space these are the partial derivatives of J in the unknowns)."""
        S, _, DW = self._prepare(rules)
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
        S, table = self.sparse(rules)
        n = len(rules)
        G = [[0] * n for _ in range(n)]
        for p in range(n):
            for q in range(p, n):
                tot = 0
                for j, wj in self.rows:
                    x = self.ssdot(S, table, p, j, q, j)
                    tot = tot + (x if wj is None else wj * x)
                G[p][q] = G[q][p] = tot
        return G

    def _over_s(self, key, num, s, bound):
        """num / s, or the kit's bounded form when s is not provably positive."""
        inv = self._inv_s[key]
        if inv is not None:
            return num * inv
        return self.K.div_s(num, s, bound)

    def hessian_form(self, rules, row_orbits=None):
        """The matrix B_pq = <T_p, H T_q> (H the full Hessian of J) for S-invariant T_p.

        ``row_orbits`` {row: count} (distinguished rows only) folds rows whose contributions
        are equal because a symmetry of W maps the test matrices to +-themselves and those
        rows onto each other: only the listed rows are summed, each times its count (the
        generic row r1 keeps its weight k - |D|). None sums every row."""
        K = self.K
        if row_orbits is None:
            rows = self.rows
        else:
            rows = [(j, None if m == 1 else m) for j, m in sorted(row_orbits.items())]
            rows.append(self.rows[-1])
        S, table, DW = self._prepare(rules)
        n = len(rules)
        B = [[0] * n for _ in range(n)]
        norms = {}

        def snorm(p, i):
            if (p, i) not in norms:
                norms[p, i] = K.sqrt(K.num(0) + self.ssdot(S, table, p, i, p, i))
            return norms[p, i]

        live = [[p for p in range(n) if S[p][j]] for j in self.pos]
        for j, wj in rows:
            lj = live[j]
            if not lj:
                continue
            pairs = [(p, q) for p in lj for q in lj if q >= p]
            same = {pq: self.ssdot(S, table, pq[0], j, pq[1], j) for pq in pairs}
            acc = {pq: same[pq] / 2 for pq in pairs}
            a = {p: DW[p][j][j] / self.nrm[j] for p in lj}  # d_j . u^
            for li, wl in self.partners(j):
                terms = {}
                # teacher li: - A(w_j, e_li)
                key = (True, self._cls(j), self._cls(li), j == li)
                _, _, c, s, _, _, cA = self.geo(j, li, True)
                P = {p: S[p][j].get(li, 0) - c * a[p] for p in lj}
                for p, q in pairs:
                    x = self._over_s(key, P[p] * P[q], s,
                                     lambda p=p, q=q, s=s, j=j: snorm(p, j) * snorm(q, j) * s)
                    terms[p, q] = -(cA * (x + s * (same[p, q] - a[p] * a[q])))
                if li != j:
                    key = (False, self._cls(j), self._cls(li), False)
                    nu, nv, c, s, pt, _, cA = self.geo(j, li, False)
                    P = {p: DW[p][j][li] / nv - c * a[p] for p in lj}  # d_j . p
                    for p, q in pairs:
                        x = self._over_s(key, P[p] * P[q], s,
                                         lambda p=p, q=q, s=s, j=j: snorm(p, j) * snorm(q, j) * s)
                        terms[p, q] = terms[p, q] + cA * (x + s * (same[p, q] - a[p] * a[q]))
                    # cross term d^p_j C(w_j, w_li) d^q_li, all (p, q): symmetrised below
                    for q in live[li]:
                        al = DW[q][li][li] / nv  # d'_li . v^
                        Q = DW[q][li][j] / nu - c * al  # d'_li . q
                        for p in lj:
                            x = pt * self.ssdot(S, table, p, j, q, li)
                            x = x + self._over_s(
                                key, P[p] * Q, s,
                                lambda p=p, q=q, s=s, j=j, li=li: snorm(p, j) * snorm(q, li) * s)
                            x = (x + s * a[p] * al) / self.two_pi
                            if p == q:
                                terms[p, p] = terms[p, p] + x
                            else:  # B_pq and B_qp each get half of this and of its mirror
                                pq = (p, q) if p < q else (q, p)
                                terms[pq] = terms.get(pq, 0) + x / 2
                for pq, x in terms.items():
                    acc[pq] = acc.get(pq, 0) + (x if wl is None else wl * x)
            for (p, q), x in acc.items():
                B[p][q] = B[p][q] + (x if wj is None else wj * x)
        for p in range(n):
            for q in range(p + 1, n):
                B[q][p] = B[p][q]
        return B
