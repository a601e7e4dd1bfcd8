/*
 * metrics.h: classification metrics and curves, the pure C core.
 *
 * Everything runs in float64.  Labels reach the core already checked and
 * encoded by the binding (metrics_lua.c): a binary metric sees `ypos`, one
 * byte per sample (1 = positive class); a label metric sees raw
 * non-negative int64 labels and a map from label value to class index.
 * Scores, probabilities and weights are float64 arrays, finite, weights
 * >= 0 (the binding checks).  Every definition follows scikit-learn 1.2
 * (sklearn/metrics/_ranking.py, _classification.py, calibration.py); where
 * it computes something differently the comment says so.
 *
 * What it is not: no Lua, no argument checking, no multilabel or
 * regression metrics, no multiclass (one-vs-rest) ROC averaging.
 */
#ifndef CREDO_METRICS_H
#define CREDO_METRICS_H

#include <stdint.h>

#include "../common/credo_core.h"

/* ---- sorting ---- */

/* order (n) = 0..n-1 sorted by score descending, ties in decreasing index
 * order: numpy's argsort(score, kind="mergesort")[::-1], the order sklearn's
 * _binary_clf_curve walks.  -0.0 and +0.0 tie.  Stable LSD radix sort on the
 * order-preserving map of the IEEE-754 bits (11-bit digits, six passes,
 * passes whose digit is constant skipped).  Scratch: 16 bytes per element.
 * Returns CREDO_ENOMEM if the scratch cannot be allocated. */
credo_status metrics_argsort_desc(int64_t *order, const double *score,
                                  int64_t n);
/* Reference twin: a top-down stable merge sort on the comparisons. */
credo_status metrics_argsort_desc_ref(int64_t *order, const double *score,
                                      int64_t n);

/* ---- binary ranking curves ---- */

/* The curve at each distinct score (sklearn _binary_clf_curve): walking
 * `order` (from metrics_argsort_desc), fps[j] and tps[j] are the negative
 * and positive weight with score >= thr[j], thr strictly decreasing.
 * Samples of zero weight are skipped (as sklearn filters them).  w may be
 * NULL (all ones); cnt may be NULL, else each sample's weight is multiplied
 * by cnt[i] (a bootstrap multiplicity).  fps, tps, thr have room for n;
 * returns the number of points m (0 when every weight is zero). */
int64_t metrics_clf_curve_sorted(double *fps, double *tps, double *thr,
                                 const int64_t *order, const uint8_t *ypos,
                                 const double *score, const double *w,
                                 const int32_t *cnt, int64_t n);
/* Sort, then metrics_clf_curve_sorted (cnt = NULL); *m gets the count. */
credo_status metrics_clf_curve(double *fps, double *tps, double *thr,
                               int64_t *m, const uint8_t *ypos,
                               const double *score, const double *w,
                               int64_t n);

/* ROC curve from a clf curve (m points), as sklearn roc_curve: with
 * drop_intermediate and m > 2, keep the ends and every point where
 * diff(fps, 2) or diff(tps, 2) is non-zero; prepend (0, 0) with threshold
 * thr[0] + 1; fpr = fps / fps[last] (NaN if that is 0), likewise tpr.
 * fpr, tpr, thr_out have room for m + 1; returns their length. */
int64_t metrics_roc_curve(double *fpr, double *tpr, double *thr_out,
                          const double *fps, const double *tps,
                          const double *thr, int64_t m, int drop_intermediate);

/* Precision-recall curve from a clf curve, as sklearn 1.2
 * precision_recall_curve: precision = tps / (tps + fps) (0 where that is
 * 0), recall = tps / tps[last] (all 1 when there is no positive), both
 * reversed (recall decreasing) and ended by precision 1, recall 0;
 * thresholds reversed (increasing).  precision and recall get m + 1
 * values, thr_out m. */
void metrics_pr_curve(double *precision, double *recall, double *thr_out,
                      const double *fps, const double *tps,
                      const double *thr, int64_t m);

/* Trapezoid rule as numpy.trapz(y, x): sum of (x[i+1]-x[i]) * (y[i+1] +
 * y[i]) / 2, in index order.  x, y (n). */
double metrics_trapz(const double *x, const double *y, int64_t n);

/* Every threshold summary of one binary score in one walk of the sorted
 * samples (weights w and multiplicities cnt as in metrics_clf_curve_sorted).
 *   auc     Mann-Whitney: sum over negatives of the positive weight ranked
 *           above them, ties counted 1/2, over pos * neg; equal to the
 *           trapezoid under the ROC curve (sklearn roc_auc_score).  NaN if
 *           a class has no weight.
 *   ap      average precision, sklearn's step sum: sum_k (R_k - R_{k-1}) P_k
 *           over thresholds in decreasing order, R_0 = 0.
 *   pr_auc  trapezoid under the PR curve, (R, P) from (0, 1) through every
 *           threshold: sklearn auc(recall, precision).
 *   ks      max over the ROC points, (0, 0) included, of |TPR - FPR|; NaN
 *           if a class has no weight.  ks_threshold: the score threshold
 *           (predict positive iff score >= t) of the first maximum in
 *           decreasing order; the origin's threshold is max score + 1. */
typedef struct MetricsRank {
  double pos, neg; /* total positive and negative weight */
  double auc, ap, pr_auc, ks, ks_threshold;
} MetricsRank;
void metrics_rank_sorted(MetricsRank *out, const int64_t *order,
                         const uint8_t *ypos, const double *score,
                         const double *w, const int32_t *cnt, int64_t n);

/* ROC AUC of one binary score.  With w == NULL (and n < 2^32): the
 * Mann-Whitney count on positives and negatives radix-sorted apart (the two
 * sorts run in parallel) and merged, exact in 64-bit integers, divided
 * once.  With weights: metrics_rank_sorted's walk (equal to sklearn's
 * trapezoid over roc_curve up to rounding).  NaN if a class is absent.
 * CREDO_ENOMEM on scratch failure. */
credo_status metrics_roc_auc(double *auc, const uint8_t *ypos,
                             const double *score, const double *w, int64_t n);
/* Reference twin: the O(n^2) pair count sum_{i pos, j neg} w_i w_j
 * ([s_i > s_j] + [s_i == s_j] / 2) / (sum w_pos * sum w_neg). */
double metrics_roc_auc_ref(const uint8_t *ypos, const double *score,
                           const double *w, int64_t n);

/* ---- cost curve (Drummond & Holte 2006) ----
 * For a ROC point (F, T) the normalised expected cost at probability cost
 * pc = PC(+) is NEC(pc) = (1 - T) pc + F (1 - pc).  The cost curve is the
 * lower envelope of these lines over the ROC points (the trivial
 * classifiers (0,0) and (1,1) included), evaluated at pc[i] = i * step,
 * step = 1 / (n_grid - 1), pc[n_grid - 1] = 1.  Only the vertices of the
 * upper convex hull of the ROC points can be on the envelope; hull vertex j
 * wins on [c_{j-1}, c_j] with c_j = dF / (dF + dT) for the hull edge to
 * vertex j + 1, so *area, the integral of the envelope over [0, 1], is
 * exact.  fpr, tpr (m >= 1) a ROC curve sorted by fpr then tpr.  pc, nec
 * (n_grid >= 2).  CREDO_ENOMEM on scratch failure. */
credo_status metrics_cost_curve(double *pc, double *nec, double *area,
                                const double *fpr, const double *tpr,
                                int64_t m, int64_t n_grid);
/* Reference twin: nec[i] = min over every point (and the trivial ones). */
void metrics_cost_curve_ref(double *nec, const double *pc, const double *fpr,
                            const double *tpr, int64_t m, int64_t n_grid);

/* ---- probability losses and calibration ---- */

/* Brier score: sum w (y - p)^2 / sum w (unweighted: the plain mean). */
double metrics_brier(const uint8_t *ypos, const double *p, const double *w,
                     int64_t n);
/* Binary log loss as sklearn 1.2 log_loss on a 1-d p = P(class 1): c =
 * clip(p, eps, 1 - eps); the row (1 - c, c) is renormalised by its sum
 * s = (1 - c) + c; loss_i = -log(c / s) if y_i else -log((1 - c) / s);
 * result sum w loss / sum w. */
double metrics_log_loss(const uint8_t *ypos, const double *p, const double *w,
                        int64_t n, double eps);
/* Multiclass: p (n, k) row-major, y (n) class indices 0..k-1; each row
 * clipped to [eps, 1 - eps] and renormalised; loss_i = -log(p_i,y / s_i). */
double metrics_log_loss_multi(const int64_t *y, const double *p,
                              const double *w, int64_t n, int64_t k,
                              double eps);

/* Reliability curve as sklearn.calibration.calibration_curve: edges
 * uniform (i * (1 / n_bins)) or quantile (numpy percentile, linear method,
 * of p at q = (i * (1 / n_bins)) * 100 / 100); a sample goes to bin
 * searchsorted(interior edges, p, left); for each non-empty bin in order,
 * prob_true = positives / count and prob_pred = sum p / count.  Outputs
 * have room for n_bins; *m gets the number of non-empty bins.  Quantile
 * sorting needs 16 bytes per sample of scratch (CREDO_ENOMEM). */
credo_status metrics_calibration_curve(double *prob_true, double *prob_pred,
                                       int64_t *m, const uint8_t *ypos,
                                       const double *p, int64_t n,
                                       int64_t n_bins, int quantile);
/* numpy.percentile(x, 100 q) with the default linear method on sorted x
 * (n >= 1): v = (n - 1) q, lerp of x[floor v] and x[floor v + 1]. */
double metrics_quantile_sorted(const double *x, int64_t n, double q);

/* ---- label metrics ---- */

/* cm (k, k), rows true, columns predicted: cm[map[yt], map[yp]] += w (or
 * 1), skipping samples where either map entry is -1.  Labels are raw
 * values in 0..nmap-1; map (nmap) gives each label's class index.  cm is
 * overwritten. */
void metrics_confusion(double *cm, const int64_t *yt, const int64_t *yp,
                       const double *w, int64_t n, const int32_t *map,
                       int64_t k);

/* Fraction (weight) of samples with yt == yp. */
double metrics_accuracy(const int64_t *yt, const int64_t *yp,
                        const double *w, int64_t n);

typedef enum {
  METRICS_AVG_NONE = 0, /* per class */
  METRICS_AVG_BINARY,   /* the one selected class */
  METRICS_AVG_MICRO,
  METRICS_AVG_MACRO,
  METRICS_AVG_WEIGHTED
} metrics_average;

/* Per class index c (k): tp[c], pred[c], tru[c] = the weight (or count)
 * of samples with yt == yp == c, with yp == c, with yt == c, each summed in
 * sample order as numpy.bincount does (so they match sklearn's tp_sum,
 * pred_sum, true_sum bit for bit).  Labels and map as metrics_confusion;
 * samples with an unmapped label are skipped.  Outputs are overwritten. */
void metrics_class_sums(double *tp, double *pred, double *tru,
                        const int64_t *yt, const int64_t *yp, const double *w,
                        int64_t n, const int32_t *map, int64_t k);

/* Precision, recall, F-beta and support as sklearn 1.2
 * precision_recall_fscore_support, from the class sums of the selected
 * labels (the first nsel entries of tp, pred, tru).  Per class: precision
 * = tp / pred, recall = tp / tru, a division by zero giving zero_division
 * (0 or 1); F = (1 + b^2) P R / (b^2 P + R) with a zero denominator
 * replaced by 1 (so F = 0 unless P = R = zero_division = 1); beta = +inf
 * gives F = R.  AVG_NONE writes nsel values to each output; the others
 * write one: micro pools the sums over the selection, macro (and binary,
 * nsel = 1) is the plain mean, weighted the mean weighted by tru (all tru
 * zero: zero_division for all three if pred is all zero too, else P = F =
 * 0, R = zero_division); support[0] is then the summed tru. */
void metrics_prf(double *precision, double *recall, double *fscore,
                 double *support, const double *tp, const double *pred,
                 const double *tru, int64_t nsel, metrics_average avg,
                 double beta, double zero_division);

/* sklearn balanced_accuracy_score: the mean over rows of cm with a
 * non-zero sum of cm[j,j] / row sum (NaN if there is none). */
double metrics_balanced_accuracy(const double *cm, int64_t k);

/* ---- bootstrap ---- */

/* Replicate b (0-based) of seed: out (n) = indices drawn with replacement
 * with the generator rng_stream(seed, b) (natives/random/rng.h), one
 * rng_bounded draw per index.  Unstratified (k == 0): n draws from 0..n-1.
 * Stratified: for each stratum s = 0..k-1 in order, c_s draws of
 * members[offsets[s] + rng_bounded(c_s)], c_s = offsets[s+1] - offsets[s];
 * members (n) lists sample indices grouped by stratum. */
void metrics_bootstrap_indices(int64_t *out, int64_t n, const int64_t *members,
                               const int64_t *offsets, int64_t k,
                               uint64_t seed, uint64_t b);

/* The metrics metrics_bootstrap computes natively (binary ones use
 * positive class 1, zero_division 0). */
typedef enum {
  METRICS_ID_ROC_AUC = 0,
  METRICS_ID_GINI,
  METRICS_ID_AVERAGE_PRECISION,
  METRICS_ID_PR_AUC,
  METRICS_ID_KS,
  METRICS_ID_BRIER,
  METRICS_ID_LOG_LOSS,
  METRICS_ID_ACCURACY,
  METRICS_ID_BALANCED_ACCURACY,
  METRICS_ID_PRECISION,
  METRICS_ID_RECALL,
  METRICS_ID_F1,
  METRICS_ID_COUNT
} metrics_id;

/* values (reps): the metric on each bootstrap replicate b = 0..reps-1
 * (indices from metrics_bootstrap_indices), NaN where it is undefined (a
 * ranking metric whose replicate lacks a class).  y (n) holds class indices
 * 0..ncls-1 (0/1 for the binary metrics); for score metrics s (n) is the
 * score or probability of class 1; for label metrics yp (n) the predicted
 * class indices.  w (n) or NULL.  Ranking metrics sort once and walk the
 * sorted samples with the replicate's multiplicities; the others sum over
 * the drawn indices in draw order, so they equal the metric of the
 * materialised replicate bit for bit.  Replicates run in parallel (OpenMP,
 * static schedule), each on its own stream, so values do not depend on the
 * thread count.  Polls credo_interrupted per replicate (CREDO_EINTR);
 * CREDO_ENOMEM on scratch failure. */
credo_status metrics_bootstrap(double *values, metrics_id id,
                               const int64_t *y, const double *s,
                               const int64_t *yp, const double *w, int64_t n,
                               int64_t ncls, const int64_t *members,
                               const int64_t *offsets, int64_t k,
                               uint64_t seed, int64_t reps, double eps);

#endif
