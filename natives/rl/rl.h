/*
 * rl.h: the native core of credo.rl, pure C: a sum tree for prioritised
 * experience replay and a small Q-network (an MLP with ReLU hidden layers)
 * with a fused DQN / Double-DQN training step.
 *
 * Sum tree: a complete binary tree over n leaves (priorities p_i >= 0)
 * whose inner nodes hold the sums of their children, so that updating one
 * priority and finding the leaf where a prefix sum falls are O(log n)
 * (Schaul, Quan, Antonoglou & Silver, "Prioritized experience replay",
 * ICLR 2016, appendix B.2.1).  A second array holds the minimum positive
 * priority below each node, for the importance-sampling normalisation.
 *
 * Q-network: dense layers y = x W^T + b (torch.nn.Linear's layout, W is
 * (out, in)) with ReLU between them, an online and a target copy of the
 * parameters in two flat blocks, the gradient and Adam's moments in three
 * more (llm.c's malloc_and_point_parameters).  One training step is
 * (van Hasselt, Guez & Silver, "Deep reinforcement learning with double
 * Q-learning", AAAI 2016; Mnih et al., Nature 2015):
 *   a*_i = argmax_a Q_online(s'_i, a)            (double)  first maximum
 *   y_i  = r_i + gamma (1 - done_i) Q_target(s'_i, a*_i)
 *   (vanilla DQN: y_i = r_i + gamma (1 - done_i) max_a Q_target(s'_i, a))
 *   d_i  = Q_online(s_i, a_i) - y_i
 *   loss = (1/B) sum_i w_i l(d_i),  l = d^2 (MSE) or Huber(delta)
 *   backward, then Adam exactly as torch.optim.Adam (optim.h), then the
 *   soft update target = lerp(target, online, tau) (torch's lerp_).
 * The target y is a constant (no gradient flows through it).
 *
 * Inputs are either dense rows (N, n_in) of the net's dtype, or int64
 * state ids (N), 0-based here, meaning one-hot rows: the first layer then
 * reads column s of W1 instead of multiplying by a one-hot vector (the
 * same numbers: every other term of the product is an exact zero).
 * Training steps read their batch from whole replay arrays through an
 * index array (B), so nothing is gathered on the Lua side.
 *
 * What it is not: no argument checking (rl_lua.c checks shapes, dtypes,
 * ranges), no other activations or layers (use credo.nn for those), no
 * threads of its own (products go through linalg_gemm: fixed tiles, the
 * same bits at any thread count).
 */
#ifndef CREDO_RL_H
#define CREDO_RL_H

#include <stdint.h>

#include "../common/credo_core.h"
#include "../random/rng.h"
#include "../tensor/tensor.h"

/* ---- sum tree ---- */

typedef struct SumTree {
  int64_t n;       /* leaves in use (capacity of the replay buffer) */
  int64_t leaves;  /* power of two >= n */
  double *sum;     /* (2 leaves): node k has children 2k, 2k+1; root 1 */
  double *min;     /* (2 leaves): smallest positive priority below, or inf */
} SumTree;

/* Allocate a tree of n >= 1 leaves, all priorities 0. */
credo_status sumtree_init(SumTree *t, int64_t n);
/* Free it (safe on a zeroed or already freed tree). */
void sumtree_free(SumTree *t);
/* p_i = p (0 <= i < n, p >= 0 finite); the path to the root is recomputed
 * from the children (no running deltas, so no drift). */
void sumtree_set(SumTree *t, int64_t i, double p);
double sumtree_get(const SumTree *t, int64_t i);
double sumtree_total(const SumTree *t);
/* Smallest positive priority, or INFINITY when every priority is 0. */
double sumtree_min(const SumTree *t);
/* The leaf i with prefix(i) <= x < prefix(i+1), prefix(i) the sum of the
 * priorities before i; x is clamped into [0, total).  Never returns a leaf
 * of priority 0 when the total is positive.  Total must be > 0. */
int64_t sumtree_find(const SumTree *t, double x);
/* k stratified draws (Schaul et al. 2016, appendix B.2.1): the range
 * [0, total) is cut into k equal segments and one value
 * x_j = (j + u_j) total / k is drawn uniformly in segment j, u_j from r in
 * order j = 0..k-1; idx[j] = find(x_j).  idx is (k).  Total must be > 0. */
void sumtree_sample(int64_t *idx, const SumTree *t, int64_t k, Rng *r);

/* ---- Q-network ---- */

#define QNET_MAX_LAYERS 8

typedef enum { QNET_LOSS_MSE = 0, QNET_LOSS_HUBER = 1 } qnet_loss;

typedef struct QNet {
  tensor_dtype dtype;        /* TENSOR_F32 or TENSOR_F64 */
  int nlayers;               /* dense layers, >= 1 */
  int64_t size[QNET_MAX_LAYERS + 1]; /* size[0] inputs .. size[nlayers] actions */
  int64_t woff[QNET_MAX_LAYERS], boff[QNET_MAX_LAYERS]; /* in the blocks */
  int64_t nparams;
  void *online, *target, *grad, *m, *v; /* (nparams) each */
  int64_t adam_step;         /* Adam steps taken (torch's state 'step') */
  /* hyperparameters of the step */
  double gamma, beta1, beta2, eps, huber_delta;
  qnet_loss loss;
  int double_q;              /* 1 Double DQN, 0 DQN */
  /* workspace for batches of up to `batch` rows */
  int64_t batch;
  void *work;
  int64_t *ids;              /* (2 batch) gathered state ids */
} QNet;

/* A batch drawn from replay arrays of N transitions through idx (B).
 * Every index here (idx, si, s2i, a) counts from `base` (0 in C, 1 when
 * the arrays come from Lua).  Either s and s2 (N, n_in) dense rows of the
 * net's dtype, or si and s2i (N) state ids (one-hot inputs, n_in states).
 * a (N) actions; r (N) and done (N, NULL: none terminal) of the
 * net's dtype; w (B) importance weights of the net's dtype or NULL (ones);
 * done values are 0 or 1. */
typedef struct QBatch {
  int64_t B, base;
  const int64_t *idx;
  const void *s, *s2;
  const int64_t *si, *s2i;
  const int64_t *a;
  const void *r, *done, *w;
} QBatch;

/* Allocate a network of the given layer sizes (nlayers + 1 of them, each
 * >= 1), parameters zero, hyperparameters torch's defaults (gamma 0.99,
 * betas 0.9, 0.999, eps 1e-8, MSE, double). */
credo_status qnet_init(QNet *q, tensor_dtype dt, int nlayers,
                       const int64_t *sizes);
void qnet_free(QNet *q);
/* torch.nn.Linear's default initialisation, W and b ~ U(-1/sqrt(in),
 * 1/sqrt(in)) (kaiming_uniform with a = sqrt(5)), layer by layer, W then
 * b, row-major, one rng_uniform each; target = online; Adam state reset. */
void qnet_reset(QNet *q, Rng *r);
/* Grow the workspace for batches of B rows. */
credo_status qnet_reserve(QNet *q, int64_t B);

/* out (N, A) = Q(x) of the online (which = 0) or target (1) parameters,
 * x dense (N, n_in) or ids (N) counting from base (one of x, xi NULL);
 * N <= the reserved batch (the workspace's s rows are used). */
void qnet_forward(QNet *q, void *out, const void *x, const int64_t *xi,
                  int64_t base, int64_t N, int which);

/* The gradient of the loss at the online parameters into q->grad (zeroed
 * first).  Returns the loss; td (B) gets y_i - Q(s_i, a_i) (the TD
 * errors, for priorities) when not NULL.  B <= the reserved batch. */
double qnet_compute_grad(QNet *q, const QBatch *b, double *td);
/* One Adam step of the online parameters from q->grad with learning rate
 * lr (torch.optim.Adam, weight_decay 0, no amsgrad). */
void qnet_adam(QNet *q, double lr);
/* target = lerp(target, online, tau) as torch's lerp_:
 * tau < 0.5: t + tau (o - t); else o - (o - t)(1 - tau). */
void qnet_soft_update(QNet *q, double tau);
/* target = online. */
void qnet_hard_update(QNet *q);
/* compute_grad, adam(lr), then soft_update(tau) when tau > 0. */
double qnet_train_step(QNet *q, const QBatch *b, double lr, double tau,
                       double *td);

#endif
