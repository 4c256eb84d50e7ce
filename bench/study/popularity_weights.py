#!/usr/bin/env python3
# A prototype, not part of alsrec: iALS with popularity-weighted unobserved pairs (He et al. 2016, "eALS"): the
# weight of the unobserved pair (u, i) is α₀·c_i with c_i = (n_i + 1)^ω / mean_j (n_j + 1)^ω (n_i: item i's train
# interactions; the mean is 1, so a user's λ_u = λ(|I_u| + α₀|I|) is unchanged), against uniform α₀ (ω = 0).
# Binary values, ν = 1, 3 conjugate-gradient steps per row from the previous factors (numpy, batched over rows),
# its own random 20% split per interaction; scored as alsrec scores (Recall@10 over min(10, |test|), NDCG@10).
# Measured 2 Dec (bench/study/README.md, "Popularity-weighted unobserved pairs"). Needs python3-numpy and
# python3-scipy (apt-get install -y python3-numpy python3-scipy), which are not project dependencies; CI never runs it.
#   bench/study/popularity_weights.py goodbooks|toread|citeulike|mlsmall d:iterations:alpha0:lambda:omega[u] | ease:lambda ...
# (a trailing "u" weights the user half-step's Gramian only, leaving the item half-step uniform).
# Data from ../shared/data (DATA=... to override).
import os, sys, time
import numpy as np, scipy.sparse as sp

DATA = os.environ.get('DATA', os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../shared/data'))

def load(name):
    if name == 'goodbooks':
        a = np.loadtxt(DATA + '/goodbooks-10k-ratings/ratings.csv', delimiter=',', skiprows=1, dtype=np.int64)
        u, i = a[:, 1], a[:, 0]
    elif name == 'toread':
        a = np.loadtxt(DATA + '/goodbooks-10k-to-read/to_read.csv', delimiter=',', skiprows=1, dtype=np.int64)
        u, i = a[:, 0], a[:, 1]
    elif name == 'citeulike':
        us, it = [], []
        for r, line in enumerate(open(DATA + '/citeulike-a/users.dat')):
            xs = line.split()[1:]
            us += [r] * len(xs); it += [int(x) for x in xs]
        u, i = np.array(us), np.array(it)
    elif name == 'mlsmall':
        a = np.loadtxt(DATA + '/ml-latest-small/ratings.csv', delimiter=',', skiprows=1, usecols=(0, 1))
        u, i = a[:, 0].astype(np.int64), a[:, 1].astype(np.int64)
    _, u = np.unique(u, return_inverse=True)
    _, i = np.unique(i, return_inverse=True)
    m = sp.csr_matrix((np.ones(len(u), np.float32), (u, i)))
    m.sum_duplicates(); m.data[:] = 1  # binary
    return m

def split(m, frac=0.2, seed=1):
    rng = np.random.default_rng(seed)
    m = m.tocoo()
    test = rng.random(m.nnz) < frac
    tr = sp.csr_matrix((m.data[~test], (m.row[~test], m.col[~test])), shape=m.shape)
    te = sp.csr_matrix((m.data[test], (m.row[test], m.col[test])), shape=m.shape)
    return tr, te

def half(R, Other, X, w0G_rows, lam, steps=3):
    # solve (sum_obs y y^T + w0G_r + lam_r I) x_r = sum_obs y for every row r, by CG from X.
    rows = np.repeat(np.arange(R.shape[0]), np.diff(R.indptr))
    other_at_pairs = Other[R.indices]  # gathered once: every product below reads it
    b = R @ Other
    def mv(V):
        d = np.einsum('ij,ij->i', V[rows], other_at_pairs)
        S = sp.csr_matrix((d, R.indices, R.indptr), shape=R.shape) @ Other
        return S + w0G_rows(V) + lam[:, None] * V
    r = b - mv(X)
    p = r.copy()
    rs = np.einsum('ij,ij->i', r, r)
    for _ in range(steps):
        Ap = mv(p)
        a = rs / np.maximum(np.einsum('ij,ij->i', p, Ap), 1e-20)
        X = X + a[:, None] * p
        r = r - a[:, None] * Ap
        rsn = np.einsum('ij,ij->i', r, r)
        p = r + (rsn / np.maximum(rs, 1e-20))[:, None] * p
        rs = rsn
    return X

def fit(tr, d, its, a0, lam, omega, nu=1.0, seed=0, user_only=False):
    # user_only: the user half-step's Gramian weighted by c, the item half-step uniform.
    n_users, n_items = tr.shape
    rng = np.random.default_rng(seed)
    X = (rng.standard_normal((n_users, d)) * 0.1 / np.sqrt(d)).astype(np.float32)
    Y = (rng.standard_normal((n_items, d)) * 0.1 / np.sqrt(d)).astype(np.float32)
    trT = tr.T.tocsr()
    user_counts = np.diff(tr.indptr).astype(np.float64)
    item_counts = np.diff(trT.indptr).astype(np.float64)
    c = (item_counts + 1) ** omega
    c = c / c.mean()
    c_items = np.ones_like(c) if user_only else c  # the unobserved weights the item half-step sees
    lam_u = (lam * (user_counts + a0 * c.sum()) ** nu).astype(np.float32)
    lam_i = (lam * (item_counts + a0 * c_items * n_users) ** nu).astype(np.float32)
    c32, c_items32 = c.astype(np.float32), c_items.astype(np.float32)
    for _ in range(its):
        Gc = (Y * c32[:, None]).T @ Y * a0
        X = half(tr, Y, X, lambda V: V @ Gc, lam_u)
        G = X.T @ X * a0
        Y = half(trT, X, Y, lambda V: c_items32[:, None] * (V @ G), lam_i)
    return X, Y

def ease(tr, lam):
    # Steck 2019, closed form: B = I - P diag(1/diag(P)), P = (XᵀX + λI)⁻¹; scores X B.
    G = (tr.T @ tr).toarray().astype(np.float64)
    G[np.diag_indices_from(G)] += lam
    P = np.linalg.inv(G)
    B = -P / np.diag(P)[None, :]
    B[np.diag_indices_from(B)] = 0
    return B.astype(np.float32)

def evaluate(score, tr, te, k=10):
    users = np.where(np.diff(te.indptr) > 0)[0]
    rec = nd = 0.0
    disc = 1 / np.log2(np.arange(2, k + 2))
    for s in range(0, len(users), 2000):
        us = users[s:s + 2000]
        S = score(us)
        S[tr[us].nonzero()] = -np.inf
        top = np.argpartition(-S, k, axis=1)[:, :k]
        o = np.take_along_axis(S, top, 1).argsort(1)[:, ::-1]
        top = np.take_along_axis(top, o, 1)
        T = te[us]
        for j, u in enumerate(us):
            t = set(T.indices[T.indptr[j]:T.indptr[j + 1]])
            h = np.array([x in t for x in top[j]])
            rec += h.sum() / min(k, len(t))
            nd += (h * disc).sum() / disc[:min(k, len(t))].sum()
    return rec / len(users), nd / len(users)

if __name__ == '__main__':
    name = sys.argv[1]
    m = load(name)
    tr, te = split(m)
    print(name, m.shape, m.nnz, flush=True)
    for spec in sys.argv[2:]:
        t0 = time.time()
        if spec.startswith('ease:'):
            B = ease(tr, float(spec.split(':')[1]))
            r = evaluate(lambda us: np.asarray(tr[us] @ B), tr, te)
        else:
            d, its, a0, lam, om = spec.split(':')
            X, Y = fit(tr, int(d), int(its), float(a0), float(lam), float(om.rstrip('u')), user_only=om.endswith('u'))
            r = evaluate(lambda us: X[us] @ Y.T, tr, te)
        print(spec, 'recall %.4f ndcg %.4f' % r, '%.0fs' % (time.time() - t0), flush=True)
