/*
 * gbdt_tree.c: split search, tree growth (depth-wise, leaf-wise,
 * oblivious) and the boosting loop (see gbdt.h).
 *
 * Split rules follow XGBoost 1.7's hist updater (src/tree/hist/
 * evaluate_splits.h, split_evaluator.h, param.h): per side the structure
 * score T_alpha(G)^2 / (H + lambda) rounded to float, loss change
 * float(score_L + score_R - score_parent), children need hessian sums >=
 * min_child_weight, a split is applied when its loss change exceeds 1e-6
 * and gamma, leaf values are float(-T_alpha(G) / (H + lambda)) * eta.
 * Growth goes level by level (CPUExpandEntry order: by depth, then node
 * id); histograms of the smaller child are built and the larger child's are
 * the parent's minus the smaller's, in place.  Rows of a node are a range of
 * an index array, partitioned stably at each level with their gradient
 * pairs; leaves add their value to the training margins the moment they are
 * final.  Leaf-wise growth (LightGBM 4, serial_tree_learner.cpp and
 * feature_histogram.hpp) splits the best leaf first with double gains;
 * oblivious growth (CatBoost's symmetric trees) chooses one split per level
 * by the summed gain of the level's nodes; both reuse the histogram and
 * partition passes.  What it is not: no interaction or monotone
 * constraints, no max_delta_step, no GOSS or feature bundling.
 */
#include "gbdt.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../random/rng.h"

/* ---- split scores ---- */

double gbdt_threshold_l1(double g, double alpha) {
  if (g > alpha) return g - alpha;
  if (g < -alpha) return g + alpha;
  return 0.0;
}

float gbdt_leaf_weight(const GbdtTreeParams *p, double G, double H) {
  if (H < p->min_child_weight || H <= 0.0) return 0.0f;
  return (float)(-gbdt_threshold_l1(G, p->reg_alpha) / (H + p->reg_lambda));
}

float gbdt_side_score(const GbdtTreeParams *p, double G, double H) {
  if (H <= 0.0) return 0.0f;
  double t = gbdt_threshold_l1(G, p->reg_alpha);
  return (float)(t * t / (H + p->reg_lambda));
}

static inline float loss_change(const GbdtTreeParams *p, double GL, double HL,
                                double GR, double HR, float parent) {
  return (float)((double)gbdt_side_score(p, GL, HL) +
                 (double)gbdt_side_score(p, GR, HR) - (double)parent);
}

void gbdt_split_find(GbdtSplit *best, const GbdtGH *hist, const GbdtBins *b,
                     const int *feats, int nfeat, double G, double H,
                     const GbdtTreeParams *p) {
  memset(best, 0, sizeof *best);
  best->feature = -1;
  float parent = gbdt_side_score(p, G, H);
  double mcw = p->min_child_weight;
  for (int fi = 0; fi < nfeat; fi++) {
    int j = feats[fi], nb = b->nbins[j];
    const GbdtGH *h = hist + b->hoff[j];
    const float *cuts = b->cuts + b->cut_ptr[j];
    GbdtSplit fb;
    memset(&fb, 0, sizeof fb);
    /* forward: left = bins 0..k, missing right.  An empty bin repeats the
     * previous candidate, which a tie never replaces: skipped. */
    double eg = 0, eh = 0;
    for (int k = 0; k < nb; k++) {
      if (h[k].g == 0 && h[k].h == 0) continue;
      eg += h[k].g;
      eh += h[k].h;
      if (eh < mcw) continue;
      double cg = G - eg, ch = H - eh;
      if (ch < mcw) continue;
      float lc = loss_change(p, eg, eh, cg, ch, parent);
      if (lc > fb.loss_chg && !isinf(lc)) {
        fb.loss_chg = lc;
        fb.bin = k;
        fb.default_left = 0;
        fb.threshold = k < nb - 1 ? cuts[k] : INFINITY;
        fb.GL = eg, fb.HL = eh, fb.GR = cg, fb.HR = ch;
      }
    }
    /* backward: right = bins k..nb-1, missing left; only when the node has
     * missing values of this feature */
    if (h[nb].g != 0 || h[nb].h != 0) {
      eg = eh = 0;
      for (int k = nb - 1; k >= 0; k--) {
        if (h[k].g == 0 && h[k].h == 0) continue;
        eg += h[k].g;
        eh += h[k].h;
        if (eh < mcw) continue;
        double cg = G - eg, ch = H - eh;
        if (ch < mcw) continue;
        float lc = loss_change(p, cg, ch, eg, eh, parent);
        if (lc > fb.loss_chg && !isinf(lc)) {
          fb.loss_chg = lc;
          fb.bin = k - 1;
          fb.default_left = 1;
          fb.threshold = k > 0 ? cuts[k - 1] : -INFINITY;
          fb.GL = cg, fb.HL = ch, fb.GR = eg, fb.HR = eh;
        }
      }
    }
    if (fb.loss_chg > best->loss_chg) {
      fb.feature = j;
      *best = fb;
    }
  }
}

/* Leaf-wise split rules (LightGBM 4 feature_histogram.hpp): double gains,
 * child row counts estimated from hessians (cnt_factor = n / H). */
static inline double lgb_score(const GbdtTreeParams *p, double G, double H) {
  double t = gbdt_threshold_l1(G, p->reg_alpha);
  return t * t / (H + p->reg_lambda);
}

void gbdt_split_find_leafwise(GbdtSplit *best, uint8_t *splittable,
                              const GbdtGH *hist, const GbdtBins *b,
                              const int *feats, int nfeat, double G, double H,
                              int64_t n, const GbdtTreeParams *p) {
  memset(best, 0, sizeof *best);
  best->feature = -1;
  double shift = lgb_score(p, G, H) + p->gamma, bestgain = -INFINITY;
  double mcw = p->min_child_weight, cf = H > 0 ? (double)n / H : 0.0;
  int64_t mcs = p->min_child_samples;
  for (int fi = 0; fi < nfeat; fi++) {
    int j = feats[fi], nb = b->nbins[j], found = 0;
    if (splittable && !splittable[j]) continue;
    const GbdtGH *h = hist + b->hoff[j];
    const float *cuts = b->cuts + b->cut_ptr[j];
    /* reverse: right = bins k+1..nb-1, left = bins 0..k and missing */
    double eg = 0, eh = 0;
    int64_t ec = 0;
    for (int k = nb - 1; k >= 1; k--) {
      eg += h[k].g;
      eh += h[k].h;
      ec += (int64_t)(h[k].h * cf + 0.5);
      if (ec < mcs || eh < mcw) continue;
      if (n - ec < mcs || H - eh < mcw) break;
      double gain = lgb_score(p, G - eg, H - eh) + lgb_score(p, eg, eh);
      found |= gain > shift;
      if (gain > shift && gain > bestgain) {
        bestgain = gain;
        best->feature = j;
        best->bin = k - 1;
        best->default_left = 1;
        best->threshold = cuts[k - 1];
        best->GL = G - eg, best->HL = H - eh, best->GR = eg, best->HR = eh;
      }
    }
    /* forward: left = bins 0..k, right = bins k+1.. and missing */
    if (h[nb].g != 0 || h[nb].h != 0) {
      eg = eh = 0;
      ec = 0;
      for (int k = 0; k < nb - 1; k++) {
        eg += h[k].g;
        eh += h[k].h;
        ec += (int64_t)(h[k].h * cf + 0.5);
        if (ec < mcs || eh < mcw) continue;
        if (n - ec < mcs || H - eh < mcw) break;
        double gain = lgb_score(p, eg, eh) + lgb_score(p, G - eg, H - eh);
        found |= gain > shift;
        if (gain > shift && gain > bestgain) {
          bestgain = gain;
          best->feature = j;
          best->bin = k;
          best->default_left = 0;
          best->threshold = cuts[k];
          best->GL = eg, best->HL = eh, best->GR = G - eg, best->HR = H - eh;
        }
      }
    }
    if (splittable) splittable[j] = (uint8_t)found;
  }
  if (best->feature >= 0) best->loss_chg = (float)(bestgain - shift);
  if (best->feature >= 0 && !(best->loss_chg > 0)) best->loss_chg = FLT_MIN;
}

void gbdt_split_find_oblivious(GbdtSplit *best, GbdtGH *const *hists,
                               const double *G, const double *H, int k,
                               const GbdtBins *b, const int *feats, int nfeat,
                               const GbdtTreeParams *p, double *scratch) {
  memset(best, 0, sizeof *best);
  best->feature = -1;
  double parent = 0, bestgain = 0;
  double *gl = scratch, *hl = scratch + k;
  for (int i = 0; i < k; i++) parent += lgb_score(p, G[i], H[i]);
  for (int fi = 0; fi < nfeat; fi++) {
    int j = feats[fi], nb = b->nbins[j];
    int anymiss = 0;
    for (int i = 0; i < k && !anymiss; i++) {
      const GbdtGH *h = hists[i] + b->hoff[j];
      anymiss = h[nb].g != 0 || h[nb].h != 0;
    }
    /* dir 0: left = bins 0..c, missing right (c = nb - 1: only the missing
     * rows go right); dir 1: left = bins 0..c and missing */
    for (int dir = 0; dir < 1 + anymiss; dir++) {
      for (int i = 0; i < k; i++) {
        const GbdtGH *h = hists[i] + b->hoff[j];
        gl[i] = dir ? h[nb].g : 0.0;
        hl[i] = dir ? h[nb].h : 0.0;
      }
      int last = nb - 1 + (dir == 0 && anymiss);
      for (int c = 0; c < last; c++) {
        double gain = -parent;
        for (int i = 0; i < k; i++) {
          const GbdtGH *h = hists[i] + b->hoff[j];
          gl[i] += h[c].g;
          hl[i] += h[c].h;
          gain += lgb_score(p, gl[i], hl[i]) + lgb_score(p, G[i] - gl[i], H[i] - hl[i]);
        }
        if (gain > bestgain) {
          bestgain = gain;
          best->feature = j;
          best->bin = c;
          best->default_left = dir;
          best->threshold = c < nb - 1 ? b->cuts[b->cut_ptr[j] + c] : INFINITY;
        }
      }
    }
  }
  best->loss_chg = (float)bestgain;
}

/* ---- the depth-wise grower ---- */

typedef struct TNode {
  int64_t begin, end;    /* rows idx[begin..end) */
  double G, H;
  int id, depth;
  int eval;              /* gets a histogram and a split search */
  GbdtGH *hist;          /* (nent) or NULL */
  uint8_t *ok;           /* leaf-wise: (d) features still splittable */
  GbdtSplit split;
} TNode;

typedef struct Task {
  int s;                 /* node in the task's list */
  int blk;               /* block of GBDT_BLOCK rows */
  int grp;               /* index into the active groups */
} Task;

typedef struct Grower {
  const GbdtBins *b;
  const GbdtTreeParams *p;
  int nt;
  int64_t nent;                  /* histogram entries per node */
  uint32_t *idx, *idx2;          /* (n) rows of the tree, ordered by node */
  float *gh, *gh2;               /* (n, 2) gradient pairs, same order */
  uint8_t *dir;                  /* (n) 1 = row idx[i] goes left */
  GbdtGH **pool;                 /* free histogram buffers */
  int npool, cappool;
  GbdtGH *part;                  /* block partials (partcap entries) */
  size_t partcap;
  Task *tasks;
  size_t captasks;
  int64_t *cnt;                  /* per partition task: rows going left */
  size_t capcnt;
  GbdtNode *nodes;               /* the tree being grown */
  int *sbin;                     /* split bin per node */
  int nnodes, capnodes;
  TNode *lv, *nx;                /* this level, the next */
  TNode **list;                  /* scratch node lists */
  int caplv;
  int ngrp;                      /* active feature groups of this tree */
  int *grp;
  unsigned *mask;
  const int *feats;
  int nfeat;
  int64_t nrows;                 /* rows of the tree being grown */
  uint8_t *okbuf;                /* leaf-wise: (max_leaves + 1, d) flags */
} Grower;

static void grower_free(Grower *g) {
  for (int i = 0; i < g->npool; i++) free(g->pool[i]);
  free(g->pool);
  free(g->part);
  free(g->tasks);
  free(g->cnt);
  free(g->nodes);
  free(g->sbin);
  free(g->lv);
  free(g->nx);
  free(g->list);
  free(g->grp);
  free(g->mask);
  free(g->idx);
  free(g->idx2);
  free(g->gh);
  free(g->gh2);
  free(g->dir);
  free(g->okbuf);
  memset(g, 0, sizeof *g);
}

static GbdtGH *buf_get(Grower *g) {
  if (g->npool > 0) return g->pool[--g->npool];
  return malloc((size_t)g->nent * sizeof(GbdtGH));
}

static credo_status buf_put(Grower *g, GbdtGH *h) {
  if (!h) return CREDO_OK;
  if (g->npool == g->cappool) {
    int cap = g->cappool ? 2 * g->cappool : 16;
    GbdtGH **np = realloc(g->pool, (size_t)cap * sizeof *np);
    if (!np) {
      free(h);
      return CREDO_ENOMEM;
    }
    g->pool = np;
    g->cappool = cap;
  }
  g->pool[g->npool++] = h;
  return CREDO_OK;
}

static int grow_cap(void **p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return 0;
  size_t c = *cap ? *cap : 64;
  while (c < need) c *= 2;
  void *np = realloc(*p, c * elem);
  if (!np) return -1;
  *p = np;
  *cap = c;
  return 0;
}

static int64_t nblocks(int64_t rows) {
  return rows <= GBDT_BLOCK ? 1 : (rows + GBDT_BLOCK - 1) / GBDT_BLOCK;
}

/* A node whose rows are spread thinner than 1 in GBDT_SPARSE of the tree's
 * rows reads the row-major codes (one cache line per row) instead of the
 * four-feature groups (one line per row and group).  Either way each entry
 * sums its rows in the same order: the choice never changes a bit. */
#define GBDT_SPARSE 8

/* Below this many (row, feature group) reads a histogram pass, and below
 * this many rows a partition pass, runs on the calling thread: a parallel
 * region costs more than the work, and far more on a loaded machine.  The
 * tasks and their order are the same either way. */
#define GBDT_SERIAL_WORK 262144

static int sparse_node(const Grower *g, const TNode *t) {
  return g->b->rows && (t->end - t->begin) * GBDT_SPARSE < g->nrows;
}

/* The best split of node t by the tree's policy (none for oblivious trees:
 * their split is chosen over the whole level). */
static void node_search(Grower *g, TNode *t) {
  if (g->p->growth == GBDT_GROW_DEPTHWISE)
    gbdt_split_find(&t->split, t->hist, g->b, g->feats, g->nfeat, t->G, t->H, g->p);
  else if (g->p->growth == GBDT_GROW_LEAFWISE)
    gbdt_split_find_leafwise(&t->split, t->ok, t->hist, g->b, g->feats, g->nfeat,
                             t->G, t->H, t->end - t->begin, g->p);
}

/* Histograms of nodes S[0..ns) into their ->hist (rows from idx/gh, or the
 * contiguous rows 0.. when identity); then per node: its block partials
 * summed in block order, large[s]->hist (= the parent's buffer, when
 * large[s] is set) -= S[s]->hist, and the best split of S[s] (when it is
 * evaluated) and of large[s].  One parallel region, two barriers. */
static credo_status build_hists(Grower *g, TNode **S, TNode **large, int ns,
                                int identity) {
  const GbdtBins *b = g->b;
  size_t ntask = 0, npart = 0;
  for (int s = 0; s < ns; s++) {
    int64_t nb = nblocks(S[s]->end - S[s]->begin);
    ntask += (size_t)nb * (sparse_node(g, S[s]) ? 1 : (size_t)g->ngrp);
    if (nb > 1) npart += (size_t)nb;
  }
  if (grow_cap((void **)&g->tasks, &g->captasks, ntask + 1, sizeof(Task)) ||
      grow_cap((void **)&g->part, &g->partcap, npart * (size_t)g->nent + 1,
               sizeof(GbdtGH)) ||
      grow_cap((void **)&g->cnt, &g->capcnt, (size_t)ns + 1, sizeof(int64_t)))
    return CREDO_ENOMEM;
  int64_t *partoff = g->cnt; /* first partial of node s, or -1 */
  size_t t = 0, po = 0;
  for (int s = 0; s < ns; s++) {
    int64_t nb = nblocks(S[s]->end - S[s]->begin);
    partoff[s] = nb > 1 ? (int64_t)po : -1;
    if (nb > 1) po += (size_t)nb;
    int sparse = sparse_node(g, S[s]);
    for (int64_t k = 0; k < nb; k++)
      for (int q = 0; q < (sparse ? 1 : g->ngrp); q++)
        g->tasks[t++] = (Task){s, (int)k, sparse ? -1 : q};
  }
  int d = b->d;
  int64_t work = 0; /* rows to read; small levels are not worth a team */
  for (int s = 0; s < ns; s++) work += S[s]->end - S[s]->begin;
  int nt = work * g->ngrp < GBDT_SERIAL_WORK ? 1 : g->nt;
#pragma omp parallel num_threads(nt)
  {
#pragma omp for schedule(dynamic, 1)
    for (size_t i = 0; i < ntask; i++) {
      Task tk = g->tasks[i];
      TNode *nd = S[tk.s];
      int64_t b0 = nd->begin + (int64_t)tk.blk * GBDT_BLOCK;
      int64_t m = nd->end - b0 < GBDT_BLOCK ? nd->end - b0 : GBDT_BLOCK;
      GbdtGH *out = partoff[tk.s] < 0
                        ? nd->hist
                        : g->part + (size_t)(partoff[tk.s] + tk.blk) * (size_t)g->nent;
      if (tk.grp < 0) { /* a sparse node: all features from the row-major codes */
        memset(out, 0, (size_t)g->nent * sizeof *out);
        gbdt_hist_rows(out, b, g->feats, g->nfeat, b->rows, b->d, g->idx + b0,
                       g->gh + 2 * b0, m);
        continue;
      }
      int grp = g->grp[tk.grp];
      int64_t lo = b->hoff[4 * grp], hi = b->hoff[4 * grp + 4 < d ? 4 * grp + 4 : d];
      memset(out + lo, 0, (size_t)(hi - lo) * sizeof *out);
      gbdt_hist_group(out, b, grp, g->mask[tk.grp], identity ? NULL : g->idx + b0,
                      b0, g->gh + 2 * b0, m);
    }
    /* per node: block partials summed in block order, the larger sibling
     * by subtraction, then the split searches */
#pragma omp for schedule(dynamic, 1)
    for (int s = 0; s < ns; s++) {
      TNode *nd = S[s];
      for (int q = 0; q < g->ngrp; q++) {
        int grp = g->grp[q];
        int64_t lo = b->hoff[4 * grp], hi = b->hoff[4 * grp + 4 < d ? 4 * grp + 4 : d];
        if (partoff[s] >= 0) {
          int64_t nb = nblocks(nd->end - nd->begin);
          const GbdtGH *p0 = g->part + (size_t)partoff[s] * (size_t)g->nent;
          memcpy(nd->hist + lo, p0 + lo, (size_t)(hi - lo) * sizeof *p0);
          for (int64_t k = 1; k < nb; k++) {
            const GbdtGH *pk = p0 + (size_t)k * (size_t)g->nent;
            for (int64_t e = lo; e < hi; e++) {
              nd->hist[e].g += pk[e].g;
              nd->hist[e].h += pk[e].h;
            }
          }
        }
        if (large[s])
          gbdt_hist_subtract(large[s]->hist, large[s]->hist, nd->hist, lo, hi);
      }
      if (nd->eval) node_search(g, nd);
      if (large[s] && large[s]->eval) node_search(g, large[s]);
    }
  }
  return CREDO_OK;
}

static inline int row_goes_left(const GbdtBins *b, int64_t r, int f, int sb,
                                int dl) {
  int c = gbdt_code(b, r, f);
  return c <= sb || (c == b->nbins[f] && dl);
}

/* The rows' work of one level, in one parallel region:
 *  - leaves L[0..nl): margin[row] += the leaf's value;
 *  - expanded nodes D[0..nd) whose children are final: margin[row] += the
 *    value of the child the row goes to (no partition);
 *  - expanded nodes E[0..ne): stable partition of their rows (left first),
 *    gradient pairs moving along, into idx2/gh2, swapped in afterwards
 *    (ranges of all other nodes become dead); nleft[s] = rows going left.
 * Tasks are fixed blocks of GBDT_BLOCK rows: count, then scatter (each
 * block's offset from the counts of its node's earlier blocks); two
 * barriers. */
static credo_status level_rows(Grower *g, TNode **L, int nl, TNode **D, int nd,
                               TNode **E, int ne, int64_t *nleft, float *margin) {
  size_t ne_t = 0, ntask = 0;
  for (int s = 0; s < ne; s++) ne_t += (size_t)nblocks(E[s]->end - E[s]->begin);
  ntask = ne_t;
  for (int s = 0; s < nl; s++) ntask += (size_t)nblocks(L[s]->end - L[s]->begin);
  for (int s = 0; s < nd; s++) ntask += (size_t)nblocks(D[s]->end - D[s]->begin);
  if (grow_cap((void **)&g->tasks, &g->captasks, ntask + 1, sizeof(Task)) ||
      grow_cap((void **)&g->cnt, &g->capcnt, 2 * ne_t + 1, sizeof(int64_t)))
    return CREDO_ENOMEM;
  /* tasks: partition blocks first (kind 2), then leaves (0), then direct (1) */
  size_t t = 0;
  for (int s = 0; s < ne; s++)
    for (int64_t k = 0; k < nblocks(E[s]->end - E[s]->begin); k++)
      g->tasks[t++] = (Task){s, (int)k, 2};
  for (int s = 0; s < nl; s++)
    for (int64_t k = 0; k < nblocks(L[s]->end - L[s]->begin); k++)
      g->tasks[t++] = (Task){s, (int)k, 0};
  for (int s = 0; s < nd; s++)
    for (int64_t k = 0; k < nblocks(D[s]->end - D[s]->begin); k++)
      g->tasks[t++] = (Task){s, (int)k, 1};
  int64_t *cl = g->cnt;
  const GbdtBins *b = g->b;
  int64_t work = 0;
  for (int s = 0; s < ne; s++) work += E[s]->end - E[s]->begin;
  for (int s = 0; s < nl; s++) work += L[s]->end - L[s]->begin;
  for (int s = 0; s < nd; s++) work += D[s]->end - D[s]->begin;
  int nt = work < GBDT_SERIAL_WORK ? 1 : g->nt;
#pragma omp parallel num_threads(nt)
  {
#pragma omp for schedule(dynamic, 1)
    for (size_t i = 0; i < ntask; i++) {
      Task tk = g->tasks[i];
      TNode *nd_ = tk.grp == 2 ? E[tk.s] : tk.grp == 0 ? L[tk.s] : D[tk.s];
      int64_t b0 = nd_->begin + (int64_t)tk.blk * GBDT_BLOCK;
      int64_t b1 = nd_->end - b0 < GBDT_BLOCK ? nd_->end : b0 + GBDT_BLOCK;
      const uint32_t *idx = g->idx;
      if (tk.grp == 0) { /* a final leaf */
        float v = g->nodes[nd_->id].value;
        for (int64_t r = b0; r < b1; r++) {
          if (r + 32 < b1) __builtin_prefetch(margin + idx[r + 32], 1);
          margin[idx[r]] += v;
        }
        continue;
      }
      int f = nd_->split.feature, sb = nd_->split.bin, dl = nd_->split.default_left;
      int miss = b->nbins[f], sh = 8 * (f & 3);
      const uint32_t *words = b->codes + (int64_t)(f >> 2) * b->n;
      if (tk.grp == 1) { /* children final: add their values directly */
        const GbdtNode *tn = &g->nodes[nd_->id];
        float vl = g->nodes[tn->left].value, vr = g->nodes[tn->right].value;
        for (int64_t r = b0; r < b1; r++) {
          if (r + 32 < b1) {
            __builtin_prefetch(words + idx[r + 32]);
            __builtin_prefetch(margin + idx[r + 32], 1);
          }
          uint32_t row = idx[r];
          int code = (int)((words[row] >> sh) & 255u);
          margin[row] += (code <= sb) | ((code == miss) & dl) ? vl : vr;
        }
        continue;
      }
      int64_t c = 0; /* partition: count the block's left rows */
      uint8_t *dir = g->dir; /* a local: stores through uint8_t* alias g */
      if (sparse_node(g, nd_)) {
        /* read the row-major codes: the lines the children's histograms
         * read next are then in cache */
        const uint8_t *rows = b->rows + f;
        int64_t d = b->d;
        for (int64_t r = b0; r < b1; r++) {
          if (r + 16 < b1) __builtin_prefetch(rows + (int64_t)idx[r + 16] * d);
          int code = rows[(int64_t)idx[r] * d];
          uint8_t left = (uint8_t)((code <= sb) | ((code == miss) & dl));
          dir[r] = left;
          c += left;
        }
      } else {
        for (int64_t r = b0; r < b1; r++) {
          if (r + 32 < b1) __builtin_prefetch(words + idx[r + 32]);
          int code = (int)((words[idx[r]] >> sh) & 255u);
          uint8_t left = (uint8_t)((code <= sb) | ((code == miss) & dl));
          dir[r] = left;
          c += left;
        }
      }
      cl[i] = c;
    }
#pragma omp for schedule(dynamic, 1)
    for (size_t i = 0; i < ne_t; i++) {
      Task tk = g->tasks[i];
      TNode *nd_ = E[tk.s];
      int64_t b0 = nd_->begin + (int64_t)tk.blk * GBDT_BLOCK;
      int64_t b1 = nd_->end - b0 < GBDT_BLOCK ? nd_->end : b0 + GBDT_BLOCK;
      /* this block's left offset and the node's total, from the counts of
       * the node's blocks (its tasks are consecutive, block by block) */
      size_t first = i - (size_t)tk.blk;
      int64_t nb = nblocks(nd_->end - nd_->begin), before = 0, total = 0;
      for (int64_t k = 0; k < nb; k++) {
        if (k < tk.blk) before += cl[first + (size_t)k];
        total += cl[first + (size_t)k];
      }
      if (tk.blk == 0) nleft[tk.s] = total;
      int64_t pl = nd_->begin + before;
      int64_t pr = nd_->begin + total + ((b0 - nd_->begin) - before);
      const uint32_t *idx = g->idx;
      const uint8_t *dir = g->dir;
      const float *gh = g->gh;
      uint32_t *idx2 = g->idx2;
      float *gh2 = g->gh2;
      for (int64_t r = b0; r < b1; r++) {
        int64_t left = dir[r];
        int64_t dst = pr + ((pl - pr) & -left); /* no branch to mispredict */
        pl += left;
        pr += 1 - left;
        idx2[dst] = idx[r];
        uint64_t pair; /* the (g, h) pair as one 8-byte move */
        memcpy(&pair, gh + 2 * r, sizeof pair);
        memcpy(gh2 + 2 * dst, &pair, sizeof pair);
      }
    }
  }
  if (ne > 0) {
    uint32_t *ti = g->idx;
    g->idx = g->idx2;
    g->idx2 = ti;
    float *tg = g->gh;
    g->gh = g->gh2;
    g->gh2 = tg;
  }
  return CREDO_OK;
}

/* Children of t (expanded) certainly become leaves: depth or leaf limit, or
 * too little hessian on both sides to split again. */
static int children_final(const Grower *g, const TNode *t, int nleaves) {
  const GbdtTreeParams *p = g->p;
  double h2 = 2.0 * (double)p->min_child_weight;
  return t->depth + 1 >= p->max_depth ||
         (p->max_leaves > 0 && nleaves >= p->max_leaves) ||
         (!(t->split.HL >= h2 && t->split.HL > 0) && !(t->split.HR >= h2 && t->split.HR > 0));
}

static int add_node(Grower *g, double G, double H) {
  if (g->nnodes == g->capnodes) {
    int cap = g->capnodes ? 2 * g->capnodes : 64;
    GbdtNode *nn = realloc(g->nodes, (size_t)cap * sizeof *nn);
    if (!nn) return -1;
    g->nodes = nn;
    int *ns = realloc(g->sbin, (size_t)cap * sizeof *ns);
    if (!ns) return -1;
    g->sbin = ns;
    g->capnodes = cap;
  }
  GbdtNode *nd = &g->nodes[g->nnodes];
  memset(nd, 0, sizeof *nd);
  nd->feature = -1;
  nd->left = nd->right = -1;
  if (g->p->growth == GBDT_GROW_DEPTHWISE) {
    nd->value = gbdt_leaf_weight(g->p, G, H) * g->p->learning_rate;
  } else { /* LightGBM / CatBoost: the Newton step in double, then shrunk */
    double den = H + (double)g->p->reg_lambda;
    nd->value = den > 0 ? (float)(-gbdt_threshold_l1(G, g->p->reg_alpha) / den *
                                  (double)g->p->learning_rate)
                        : 0.0f;
  }
  nd->cover = (float)H;
  g->sbin[g->nnodes] = 0;
  return g->nnodes++;
}

static int level_room(Grower *g, int need) {
  if (need <= g->caplv) return 0;
  int cap = g->caplv ? g->caplv : 64;
  while (cap < need) cap *= 2;
  TNode *a = realloc(g->lv, (size_t)cap * sizeof *a);
  if (!a) return -1;
  g->lv = a;
  TNode *c = realloc(g->nx, (size_t)cap * sizeof *c);
  if (!c) return -1;
  g->nx = c;
  TNode **l = realloc(g->list, (size_t)cap * 4 * sizeof *l);
  if (!l) return -1;
  g->list = l;
  g->caplv = cap;
  return 0;
}

static int can_split(const Grower *g, const TNode *t, int nleaves) {
  const GbdtTreeParams *p = g->p;
  return t->depth < p->max_depth && t->end - t->begin >= 2 && t->H > 0 &&
         t->H >= 2.0 * (double)p->min_child_weight &&
         (p->max_leaves == 0 || nleaves < p->max_leaves);
}

static int split_valid(const Grower *g, const GbdtSplit *s) {
  return s->feature >= 0 && s->loss_chg > GBDT_RT_EPS && s->HL != 0 &&
         s->HR != 0 && !(s->loss_chg < g->p->gamma);
}

/* Grow one tree on the rows idx[0..nrows) with gradient pairs gh (sums G,
 * H); identity: idx is 0..nrows-1 (the histogram of the root streams the
 * code words).  The tree is left in g->nodes (g->nnodes) and g->sbin; its
 * leaf values are added to margin[row] for these rows. */
static credo_status grow_depthwise(Grower *g, int64_t nrows, int identity,
                                   double G, double H, float *margin) {
  credo_status st = CREDO_OK;
  g->nnodes = 0;
  g->nrows = nrows;
  if (add_node(g, G, H) < 0 || level_room(g, 1)) return CREDO_ENOMEM;
  int nleaves = 1;
  int nlv = 1;
  TNode *root = &g->lv[0];
  memset(root, 0, sizeof *root);
  root->begin = 0;
  root->end = nrows;
  root->G = G;
  root->H = H;
  root->eval = can_split(g, root, nleaves);
  if (root->eval) {
    root->hist = buf_get(g);
    if (!root->hist) return CREDO_ENOMEM;
    TNode *none = NULL;
    st = build_hists(g, &root, &none, 1, identity);
    if (st) goto fail;
  }
  while (nlv > 0) {
    if (level_room(g, 2 * nlv)) { st = CREDO_ENOMEM; goto fail; }
    TNode **E = g->list, **L = g->list + nlv;
    int ne = 0, nl = 0;
    for (int s = 0; s < nlv; s++) {
      TNode *t = &g->lv[s];
      int ok = t->eval && split_valid(g, &t->split) &&
               (g->p->max_leaves == 0 || nleaves < g->p->max_leaves);
      if (!ok) {
        L[nl++] = t;
        if (buf_put(g, t->hist)) { t->hist = NULL; st = CREDO_ENOMEM; goto fail; }
        t->hist = NULL;
        continue;
      }
      const GbdtSplit *sp = &t->split;
      int l = add_node(g, sp->GL, sp->HL), r = l < 0 ? -1 : add_node(g, sp->GR, sp->HR);
      if (r < 0) { st = CREDO_ENOMEM; goto fail; }
      GbdtNode *nd = &g->nodes[t->id];
      nd->feature = sp->feature;
      nd->threshold = sp->threshold;
      nd->default_left = (uint8_t)sp->default_left;
      nd->gain = sp->loss_chg;
      nd->left = l;
      nd->right = r;
      g->sbin[t->id] = sp->bin;
      nleaves++;
      E[ne++] = t;
    }
    /* nodes whose children are final leaves skip the partition: their rows
     * take the child's value directly */
    TNode **D = g->list + 2 * nlv;
    int nd = 0, nkeep = 0;
    for (int s = 0; s < ne; s++) {
      if (children_final(g, E[s], nleaves)) {
        D[nd++] = E[s];
        if (buf_put(g, E[s]->hist)) { E[s]->hist = NULL; st = CREDO_ENOMEM; goto fail; }
        E[s]->hist = NULL;
      } else {
        E[nkeep++] = E[s];
      }
    }
    ne = nkeep;
    int64_t *nleft = malloc((size_t)(ne > 0 ? ne : 1) * sizeof *nleft);
    if (!nleft) { st = CREDO_ENOMEM; goto fail; }
    st = level_rows(g, L, nl, D, nd, E, ne, nleft, margin);
    if (st || ne == 0) {
      free(nleft);
      if (st) goto fail;
      break;
    }
    identity = 0;
    /* children, in node-id order */
    int nnx = 0;
    TNode **S = g->list + 2 * nlv, **B = g->list + 3 * nlv;
    int nbuild = 0;
    for (int s = 0; s < ne; s++) {
      TNode *t = E[s];
      TNode *cl = &g->nx[nnx++], *cr = &g->nx[nnx++];
      memset(cl, 0, sizeof *cl);
      memset(cr, 0, sizeof *cr);
      cl->begin = t->begin;
      cl->end = cr->begin = t->begin + nleft[s];
      cr->end = t->end;
      cl->G = t->split.GL, cl->H = t->split.HL;
      cr->G = t->split.GR, cr->H = t->split.HR;
      cl->id = g->nodes[t->id].left;
      cr->id = g->nodes[t->id].right;
      cl->depth = cr->depth = t->depth + 1;
      cl->eval = can_split(g, cl, nleaves);
      cr->eval = can_split(g, cr, nleaves);
      if (!cl->eval && !cr->eval) {
        if (buf_put(g, t->hist)) { t->hist = NULL; st = CREDO_ENOMEM; }
        t->hist = NULL;
        continue;
      }
      int left_small = cl->end - cl->begin <= cr->end - cr->begin;
      TNode *small = left_small ? cl : cr, *big = left_small ? cr : cl;
      small->hist = buf_get(g);
      if (!small->hist) st = CREDO_ENOMEM;
      if (big->eval) {
        big->hist = t->hist;
      } else if (buf_put(g, t->hist)) {
        st = CREDO_ENOMEM;
      }
      t->hist = NULL;
      S[nbuild] = small;
      B[nbuild] = big->eval ? big : NULL;
      nbuild++;
    }
    free(nleft);
    if (st) {
      for (int s = 0; s < nnx; s++) { free(g->nx[s].hist); g->nx[s].hist = NULL; }
      goto fail;
    }
    st = build_hists(g, S, B, nbuild, 0);
    for (int s = 0; s < nbuild && !st; s++)
      if (!S[s]->eval) {
        st = buf_put(g, S[s]->hist);
        S[s]->hist = NULL;
      }
    if (st) {
      for (int s = 0; s < nnx; s++) { free(g->nx[s].hist); g->nx[s].hist = NULL; }
      goto fail;
    }
    TNode *tmp = g->lv;
    g->lv = g->nx;
    g->nx = tmp;
    nlv = nnx;
    if (credo_interrupted) {
      st = CREDO_EINTR;
      goto fail;
    }
  }
  return CREDO_OK;
fail:
  for (int s = 0; s < nlv; s++) {
    free(g->lv[s].hist);
    g->lv[s].hist = NULL;
  }
  return st;
}

/* ---- the leaf-wise grower ---- */

/* level_rows partitioned the nodes E[0..ne) into the other index copy and
 * swapped the copies, leaving the ranges of all other nodes stale: copy the
 * partitioned ranges back and swap again, so every node's rows stay valid
 * (leaf-wise growth partitions one leaf at a time). */
static void keep_ranges(Grower *g, TNode *const *E, int ne) {
  for (int s = 0; s < ne; s++) {
    int64_t b0 = E[s]->begin, m = E[s]->end - b0;
    memcpy(g->idx2 + b0, g->idx + b0, (size_t)m * sizeof *g->idx);
    memcpy(g->gh2 + 2 * b0, g->gh + 2 * b0, (size_t)(2 * m) * sizeof *g->gh);
  }
  uint32_t *ti = g->idx;
  g->idx = g->idx2;
  g->idx2 = ti;
  float *tg = g->gh;
  g->gh = g->gh2;
  g->gh2 = tg;
}

/* LightGBM's conditions for searching a leaf (serial_tree_learner.cpp
 * BeforeFindBestSplit): below the depth limit, enough rows and hessian for
 * two children. */
static int leaf_can_split(const Grower *g, const TNode *t) {
  const GbdtTreeParams *p = g->p;
  int64_t n = t->end - t->begin;
  return (p->max_depth <= 0 || t->depth < p->max_depth) && n >= 2 &&
         n >= 2 * (int64_t)p->min_child_samples && t->H > 0 &&
         t->H >= 2.0 * (double)p->min_child_weight;
}

/* Write split sp into node t->id of the tree with two new children; the
 * children's ids in *l, *r.  -1 when out of memory. */
static int apply_split(Grower *g, const TNode *t, const GbdtSplit *sp,
                       double GL, double HL, double GR, double HR) {
  int l = add_node(g, GL, HL), r = l < 0 ? -1 : add_node(g, GR, HR);
  if (r < 0) return -1;
  GbdtNode *nd = &g->nodes[t->id];
  nd->feature = sp->feature;
  nd->threshold = sp->threshold;
  nd->default_left = (uint8_t)sp->default_left;
  nd->gain = sp->loss_chg;
  nd->left = l;
  nd->right = r;
  g->sbin[t->id] = sp->bin;
  return 0;
}

static void child_pair(TNode *cl, TNode *cr, const TNode *t, int64_t nleft,
                       const GbdtNode *nd, double GL, double HL, double GR,
                       double HR) {
  memset(cl, 0, sizeof *cl);
  memset(cr, 0, sizeof *cr);
  cl->begin = t->begin;
  cl->end = cr->begin = t->begin + nleft;
  cr->end = t->end;
  cl->G = GL, cl->H = HL;
  cr->G = GR, cr->H = HR;
  cl->id = nd->left;
  cr->id = nd->right;
  cl->depth = cr->depth = t->depth + 1;
}

/* Grow one tree best leaf first (LightGBM's SerialTreeLearner::Train): the
 * leaves lv[0..nl) in LightGBM's leaf order (a split leaf keeps its index for
 * its left child, the right child is appended); each step splits the leaf of
 * largest gain (ties: the lower feature, then the lower leaf index) until
 * max_leaves leaves or no leaf has a split.  Each split partitions only the
 * leaf's rows; the smaller child's histogram is built, the larger one's is
 * the parent's minus it.  Leaf values go to margin[row] at the end. */
static credo_status grow_leafwise(Grower *g, int64_t nrows, int identity,
                                  double G, double H, float *margin) {
  credo_status st = CREDO_OK;
  int maxl = g->p->max_leaves;
  assert(maxl >= 2);
  g->nnodes = 0;
  g->nrows = nrows;
  if (add_node(g, G, H) < 0 || level_room(g, maxl + 1)) return CREDO_ENOMEM;
  TNode *lv = g->lv;
  int nl = 1, d = g->b->d;
  if (!g->okbuf && !(g->okbuf = malloc((size_t)(maxl + 1) * (size_t)d))) return CREDO_ENOMEM;
  memset(g->okbuf, 1, (size_t)d);
  memset(&lv[0], 0, sizeof lv[0]);
  lv[0].ok = g->okbuf;
  lv[0].end = nrows;
  lv[0].G = G;
  lv[0].H = H;
  lv[0].eval = leaf_can_split(g, &lv[0]);
  if (lv[0].eval) {
    TNode *root = &lv[0], *none = NULL;
    root->hist = buf_get(g);
    if (!root->hist) return CREDO_ENOMEM;
    st = build_hists(g, &root, &none, 1, identity);
    if (st) goto fail;
  }
  while (nl < maxl) {
    int bi = -1;
    for (int s = 0; s < nl; s++) {
      const GbdtSplit *sp = &lv[s].split;
      if (!lv[s].eval || sp->feature < 0) continue;
      if (bi < 0 || sp->loss_chg > lv[bi].split.loss_chg ||
          (sp->loss_chg == lv[bi].split.loss_chg && sp->feature < lv[bi].split.feature))
        bi = s;
    }
    if (bi < 0) break;
    TNode par = lv[bi], *E = &lv[bi];
    const GbdtSplit *sp = &par.split;
    if (apply_split(g, &par, sp, sp->GL, sp->HL, sp->GR, sp->HR)) {
      st = CREDO_ENOMEM;
      goto fail;
    }
    int64_t nleft = 0;
    st = level_rows(g, NULL, 0, NULL, 0, &E, 1, &nleft, margin);
    if (st) goto fail;
    keep_ranges(g, &E, 1);
    identity = 0;
    TNode cl, cr;
    child_pair(&cl, &cr, &par, nleft, &g->nodes[par.id], sp->GL, sp->HL, sp->GR, sp->HR);
    cl.eval = leaf_can_split(g, &cl);
    cr.eval = leaf_can_split(g, &cr);
    /* LightGBM (SerialTreeLearner::FindBestSplits): a feature without a
     * valid split in the parent is not searched in its children */
    cl.ok = par.ok;
    cr.ok = g->okbuf + (size_t)nl * (size_t)d;
    memcpy(cr.ok, par.ok, (size_t)d);
    GbdtGH *ph = par.hist;
    lv[bi] = cl;
    lv[nl++] = cr;
    if (!cl.eval && !cr.eval) {
      if (buf_put(g, ph)) { st = CREDO_ENOMEM; goto fail; }
      continue;
    }
    TNode *pl = &lv[bi], *pr = &lv[nl - 1];
    int left_small = pl->end - pl->begin <= pr->end - pr->begin;
    TNode *small = left_small ? pl : pr, *big = left_small ? pr : pl;
    if (big->eval) {
      big->hist = ph;
    } else if (buf_put(g, ph)) {
      st = CREDO_ENOMEM;
      goto fail;
    }
    small->hist = buf_get(g);
    if (!small->hist) { st = CREDO_ENOMEM; goto fail; }
    TNode *bl = big->eval ? big : NULL;
    st = build_hists(g, &small, &bl, 1, 0);
    if (st) goto fail;
    if (!small->eval) {
      st = buf_put(g, small->hist);
      small->hist = NULL;
      if (st) goto fail;
    }
    if (credo_interrupted) { st = CREDO_EINTR; goto fail; }
  }
  TNode **L = g->list;
  for (int s = 0; s < nl; s++) {
    L[s] = &lv[s];
    st = buf_put(g, lv[s].hist);
    lv[s].hist = NULL;
    if (st) goto fail;
  }
  return level_rows(g, L, nl, NULL, 0, NULL, 0, NULL, margin);
fail:
  for (int s = 0; s < nl; s++) {
    free(lv[s].hist);
    lv[s].hist = NULL;
  }
  return st;
}

/* ---- the oblivious grower ---- */

/* Grow one symmetric tree (CatBoost's oblivious trees, greedy level by
 * level): every node of a level splits on the same (feature, bin, missing
 * direction), the one of largest summed gain over the level's nodes
 * (gbdt_split_find_oblivious); growth stops at max_depth or when no split
 * gains more than 1e-6 and gamma.  Nodes without rows still split (their
 * leaves hold 0), so the tree is complete and the same test applies at each
 * depth.  Histograms as depth-wise: the smaller child built, the larger by
 * subtraction. */
static credo_status grow_oblivious(Grower *g, int64_t nrows, int identity,
                                   double G, double H, float *margin) {
  credo_status st = CREDO_OK;
  int D = g->p->max_depth, full = 1 << D;
  g->nnodes = 0;
  g->nrows = nrows;
  if (add_node(g, G, H) < 0 || level_room(g, full)) return CREDO_ENOMEM;
  double *scr = malloc((size_t)full * 4 * sizeof *scr); /* (2^D, 4) */
  GbdtGH **hp = malloc((size_t)full * sizeof *hp);
  int64_t *nleft = malloc((size_t)full * sizeof *nleft);
  int nlv = 1;
  memset(&g->lv[0], 0, sizeof g->lv[0]);
  g->lv[0].end = nrows;
  g->lv[0].G = G;
  g->lv[0].H = H;
  g->lv[0].hist = buf_get(g);
  if (!scr || !hp || !nleft || !g->lv[0].hist) { st = CREDO_ENOMEM; goto fail; }
  {
    TNode *root = &g->lv[0], *none = NULL;
    st = build_hists(g, &root, &none, 1, identity);
    if (st) goto fail;
  }
  for (int depth = 0; depth < D; depth++) {
    TNode *lv = g->lv, **E = g->list;
    double *Gs = scr + 2 * full, *Hs = scr + 3 * full;
    for (int s = 0; s < nlv; s++) {
      hp[s] = lv[s].hist;
      Gs[s] = lv[s].G;
      Hs[s] = lv[s].H;
      E[s] = &lv[s];
    }
    GbdtSplit sp;
    gbdt_split_find_oblivious(&sp, hp, Gs, Hs, nlv, g->b, g->feats, g->nfeat, g->p, scr);
    if (sp.feature < 0 || !(sp.loss_chg > GBDT_RT_EPS) || sp.loss_chg < g->p->gamma) break;
    const GbdtBins *b = g->b;
    int nb = b->nbins[sp.feature];
    for (int s = 0; s < nlv; s++) {
      const GbdtGH *h = lv[s].hist + b->hoff[sp.feature];
      double gl = sp.default_left ? h[nb].g : 0.0, hl = sp.default_left ? h[nb].h : 0.0;
      for (int q = 0; q <= sp.bin; q++) gl += h[q].g, hl += h[q].h;
      lv[s].split = sp;
      lv[s].split.GL = gl, lv[s].split.HL = hl;
      lv[s].split.GR = lv[s].G - gl, lv[s].split.HR = lv[s].H - hl;
      if (apply_split(g, &lv[s], &sp, gl, hl, lv[s].G - gl, lv[s].H - hl)) {
        st = CREDO_ENOMEM;
        goto fail;
      }
    }
    if (depth + 1 == D) { /* the children are leaves: no partition */
      for (int s = 0; s < nlv; s++) {
        st = buf_put(g, lv[s].hist);
        lv[s].hist = NULL;
        if (st) goto fail;
      }
      st = level_rows(g, NULL, 0, E, nlv, NULL, 0, NULL, margin);
      nlv = 0;
      goto done;
    }
    st = level_rows(g, NULL, 0, NULL, 0, E, nlv, nleft, margin);
    if (st) goto fail;
    identity = 0;
    TNode **S = g->list + full, **B = g->list + 2 * full;
    for (int s = 0; s < nlv; s++) {
      TNode *cl = &g->nx[2 * s], *cr = &g->nx[2 * s + 1];
      const GbdtSplit *q = &lv[s].split;
      child_pair(cl, cr, &lv[s], nleft[s], &g->nodes[lv[s].id], q->GL, q->HL, q->GR, q->HR);
      int left_small = cl->end - cl->begin <= cr->end - cr->begin;
      S[s] = left_small ? cl : cr;
      B[s] = left_small ? cr : cl;
      B[s]->hist = lv[s].hist;
      lv[s].hist = NULL;
      S[s]->hist = buf_get(g);
      if (!S[s]->hist) {
        for (int r = 0; r < 2 * (s + 1); r++) { free(g->nx[r].hist); g->nx[r].hist = NULL; }
        st = CREDO_ENOMEM;
        goto fail;
      }
    }
    st = build_hists(g, S, B, nlv, 0);
    TNode *tmp = g->lv;
    g->lv = g->nx;
    g->nx = tmp;
    nlv *= 2;
    if (st) goto fail;
    if (credo_interrupted) { st = CREDO_EINTR; goto fail; }
  }
  { /* stopped early: the level's nodes are the leaves */
    TNode **L = g->list;
    for (int s = 0; s < nlv; s++) {
      L[s] = &g->lv[s];
      st = buf_put(g, g->lv[s].hist);
      g->lv[s].hist = NULL;
      if (st) goto fail;
    }
    st = level_rows(g, L, nlv, NULL, 0, NULL, 0, NULL, margin);
    nlv = 0;
  }
done:
fail:
  for (int s = 0; s < nlv; s++) {
    free(g->lv[s].hist);
    g->lv[s].hist = NULL;
  }
  free(scr);
  free(hp);
  free(nleft);
  return st;
}

/* ---- the boosting loop ---- */

/* Gradient pairs of rows idx[0..m) into gh (m, 2), in float as XGBoost's
 * RegLossObj: logistic p = sigmoid(margin), g = p - y, h = max(p(1-p),
 * 1e-16); squared error g = margin - y, h = 1; both times the row weight
 * (and scale_pos_weight when y == 1).  With identity, idx is first set to
 * 0..m-1.  *G, *H = the sums, per block of GBDT_BLOCK rows then over the
 * blocks in order (part: 2 per block). */
static void gradients(float *gh, uint32_t *idx, int64_t m, int identity,
                      const float *margin, const float *y, const float *w,
                      gbdt_objective obj, float spw, int nt, double *part,
                      double *G, double *H) {
  int64_t nblk = (m + GBDT_BLOCK - 1) / GBDT_BLOCK;
  if (nblk < 2) nt = 1;
#pragma omp parallel for schedule(static) num_threads(nt)
  for (int64_t blk = 0; blk < nblk; blk++) {
    int64_t i1 = (blk + 1) * GBDT_BLOCK < m ? (blk + 1) * GBDT_BLOCK : m;
    double sg = 0, sh = 0;
    for (int64_t i = blk * GBDT_BLOCK; i < i1; i++) {
      if (identity) idx[i] = (uint32_t)i;
      uint32_t r = idx[i];
      float g, h, lab = y[r];
      if (obj == GBDT_OBJ_LOGISTIC) {
        float p = gbdt_sigmoid(margin[r]);
        g = p - lab;
        h = p * (1.0f - p);
        h = h > 1e-16f ? h : 1e-16f; /* fmaxf, without the libm call */
      } else {
        g = margin[r] - lab;
        h = 1.0f;
      }
      float wt = w ? w[r] : 1.0f;
      if (lab == 1.0f) wt *= spw;
      gh[2 * i] = g * wt;
      gh[2 * i + 1] = h * wt;
      sg += (double)gh[2 * i];
      sh += (double)gh[2 * i + 1];
    }
    part[2 * blk] = sg;
    part[2 * blk + 1] = sh;
  }
  double sg = 0, sh = 0;
  for (int64_t blk = 0; blk < nblk; blk++) {
    sg += part[2 * blk];
    sh += part[2 * blk + 1];
  }
  *G = sg;
  *H = sh;
}

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

/* The tree's features: all, or colsample_bytree of them drawn without
 * replacement, then sorted (ties between features go to the lower index). */
static credo_status sample_features(int *feats, int *nfeat, int d,
                                    double colsample, Rng *rng) {
  int k = (int)(colsample * d);
  if (k < 1) k = 1;
  if (k >= d) {
    for (int j = 0; j < d; j++) feats[j] = j;
    *nfeat = d;
    return CREDO_OK;
  }
  int64_t *tmp = malloc((size_t)k * sizeof *tmp);
  if (!tmp) return CREDO_ENOMEM;
  credo_status st = rng_sample(tmp, d, k, rng);
  if (st == CREDO_OK) {
    for (int i = 0; i < k; i++) feats[i] = (int)tmp[i];
    qsort(feats, (size_t)k, sizeof *feats, cmp_int);
    *nfeat = k;
  }
  free(tmp);
  return st;
}

static int active_groups(Grower *g, const int *feats, int nfeat) {
  int ng = 0;
  for (int i = 0; i < nfeat; i++) {
    int grp = feats[i] >> 2;
    if (ng == 0 || g->grp[ng - 1] != grp) {
      g->grp[ng] = grp;
      g->mask[ng] = 0;
      ng++;
    }
    g->mask[ng - 1] |= 1u << (feats[i] & 3);
  }
  return ng;
}

/* Rows outside the sample (oob[0..k)) take the tree through their codes. */
static void oob_margins(const Grower *g, const uint32_t *oob, int64_t k,
                        float *margin) {
  const GbdtBins *b = g->b;
  const GbdtNode *nd = g->nodes;
#pragma omp parallel for schedule(static) num_threads(k < GBDT_SERIAL_WORK ? 1 : g->nt)
  for (int64_t i = 0; i < k; i++) {
    uint32_t r = oob[i];
    int q = 0;
    while (nd[q].feature >= 0)
      q = row_goes_left(b, r, nd[q].feature, g->sbin[q], nd[q].default_left)
              ? nd[q].left : nd[q].right;
    margin[r] += nd[q].value;
  }
}

credo_status gbdt_fit(GbdtModel *m, const GbdtParams *p, const GbdtMatrix *X,
                      const float *y, const float *w, const GbdtEval *evals,
                      int n_evals) {
  assert(p->n_estimators >= 1 &&
         (p->tree.max_depth >= 1 || p->tree.growth == GBDT_GROW_LEAFWISE));
  assert(p->n_metrics >= 0 && p->n_metrics <= GBDT_MAX_METRICS);
  assert(X->n >= 1 && X->d >= 1);
  memset(m, 0, sizeof *m);
  int nt = p->n_threads > 0 ? p->n_threads : 1;
  int64_t n = X->n;
  int d = (int)X->d;
  m->n_features = d;
  m->objective = p->objective;
  float bs = (float)p->base_score;
  m->base_margin = p->objective == GBDT_OBJ_LOGISTIC ? -logf(1.0f / bs - 1.0f) : bs;
  m->n_evals = n_evals;
  m->n_metrics = n_evals > 0 ? p->n_metrics : 0;
  for (int k = 0; k < m->n_metrics; k++) m->metrics[k] = p->metrics[k];
  m->best_score = NAN;

  GbdtBins bins;
  Grower g;
  memset(&g, 0, sizeof g);
  credo_status st = gbdt_bins_build(&bins, X, p->max_bin, nt);
  if (st) return st;
  float *margin = gbdt_alloc_big((size_t)n * sizeof *margin);
  uint32_t *oob = p->subsample < 1.0 ? malloc((size_t)n * sizeof *oob) : NULL;
  int *feats = malloc((size_t)d * sizeof *feats);
  double *gpart = malloc((size_t)(2 * (n / GBDT_BLOCK + 1)) * sizeof *gpart);
  float **emargin = n_evals > 0 ? calloc((size_t)n_evals, sizeof *emargin) : NULL;
  size_t nhist = (size_t)p->n_estimators * (size_t)n_evals * (size_t)m->n_metrics;
  m->history = malloc((nhist ? nhist : 1) * sizeof *m->history);
  g.b = &bins;
  g.p = &p->tree;
  g.nt = nt;
  g.nent = bins.hoff[d];
  g.idx = gbdt_alloc_big((size_t)n * sizeof *g.idx);
  g.idx2 = gbdt_alloc_big((size_t)n * sizeof *g.idx2);
  g.gh = gbdt_alloc_big((size_t)n * 2 * sizeof *g.gh);
  g.gh2 = gbdt_alloc_big((size_t)n * 2 * sizeof *g.gh2);
  g.dir = malloc((size_t)n);
  g.grp = malloc((size_t)bins.ngroups * sizeof *g.grp);
  g.mask = malloc((size_t)bins.ngroups * sizeof *g.mask);
  int ok = margin && (oob || p->subsample >= 1.0) && feats && gpart &&
           (emargin || n_evals == 0) && m->history && g.idx && g.idx2 &&
           g.gh && g.gh2 && g.dir && g.grp && g.mask;
  for (int e = 0; ok && e < n_evals; e++) {
    emargin[e] = malloc((size_t)evals[e].X.n * sizeof **emargin);
    ok = emargin[e] != NULL;
  }
  if (!ok) {
    st = CREDO_ENOMEM;
    goto done;
  }
  for (int64_t i = 0; i < n; i++) margin[i] = m->base_margin;
  for (int e = 0; e < n_evals; e++)
    for (int64_t i = 0; i < evals[e].X.n; i++) emargin[e][i] = m->base_margin;

  int maximize = m->n_metrics > 0 && gbdt_metric_maximize(m->metrics[m->n_metrics - 1]);
  int best_round = -1;
  double best = NAN;
  for (int t = 0; t < p->n_estimators; t++) {
    Rng rng;
    rng_stream(&rng, p->seed, (uint64_t)t);
    int64_t nrows = 0, noob = 0;
    int identity = p->subsample >= 1.0;
    if (identity) {
      nrows = n; /* idx = 0..n-1, written by gradients() */
    } else {
      for (int64_t i = 0; i < n; i++) {
        if (rng_uniform(&rng) < p->subsample) g.idx[nrows++] = (uint32_t)i;
        else oob[noob++] = (uint32_t)i;
      }
    }
    st = sample_features(feats, &g.nfeat, d, p->colsample_bytree, &rng);
    if (st) goto done;
    g.feats = feats;
    g.ngrp = active_groups(&g, feats, g.nfeat);
    double G, H;
    gradients(g.gh, g.idx, nrows, identity, margin, y, w, p->objective,
              p->scale_pos_weight, nt, gpart, &G, &H);
    if (p->tree.growth == GBDT_GROW_LEAFWISE)
      st = grow_leafwise(&g, nrows, identity, G, H, margin);
    else if (p->tree.growth == GBDT_GROW_OBLIVIOUS)
      st = grow_oblivious(&g, nrows, identity, G, H, margin);
    else
      st = grow_depthwise(&g, nrows, identity, G, H, margin);
    if (st) goto done;
    if (noob > 0) oob_margins(&g, oob, noob, margin);
    st = gbdt_model_add_tree(m, g.nodes, g.nnodes);
    if (st) goto done;
    /* evaluation and early stopping */
    for (int e = 0; e < n_evals; e++) {
      gbdt_predict_tree_add(emargin[e], m, t, &evals[e].X, nt);
      for (int k = 0; k < m->n_metrics; k++) {
        double v;
        st = gbdt_eval_metric(&v, m->metrics[k], p->objective, emargin[e],
                              evals[e].y, evals[e].X.n);
        if (st) goto done;
        m->history[((size_t)t * n_evals + e) * m->n_metrics + k] = v;
      }
    }
    m->n_rounds = t + 1;
    if (m->n_metrics > 0) {
      double v = m->history[((size_t)t * n_evals + n_evals - 1) * m->n_metrics +
                            m->n_metrics - 1];
      if (best_round < 0 || (maximize ? v > best : v < best)) {
        best = v;
        best_round = t;
      } else if (p->early_stopping_rounds > 0 &&
                 t - best_round >= p->early_stopping_rounds) {
        break;
      }
    }
    if (credo_interrupted) {
      st = CREDO_EINTR;
      goto done;
    }
  }
  if (p->early_stopping_rounds > 0 && best_round >= 0) {
    m->n_trees = best_round + 1;
    m->best_iteration = best_round + 1;
    m->best_score = best;
  } else {
    m->best_iteration = m->n_trees;
    if (m->n_metrics > 0)
      m->best_score = m->history[((size_t)(m->n_rounds - 1) * n_evals + n_evals - 1) *
                                     m->n_metrics + m->n_metrics - 1];
  }
done:
  free(margin);
  free(oob);
  free(feats);
  free(gpart);
  for (int e = 0; emargin && e < n_evals; e++) free(emargin[e]);
  free(emargin);
  grower_free(&g);
  gbdt_bins_free(&bins);
  if (st) gbdt_model_free(m);
  return st;
}
