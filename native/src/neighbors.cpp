// Radius graph with cell lists in fractional coordinates, see "neighbour
// lists" in include/equigraph.h.
//
// This is a line-by-line port of radiusGraph in packages/data/src/graph.ts
// and must stay one: the TypeScript and native paths return identical graphs
// (same edges in the same order, bit-identical vectors and distances), so
// every floating-point expression that decides or produces an output is
// evaluated here in the same order as there (no FMA contraction: see the
// pragma below and -ffp-contract=off in CMakeLists.txt). Binning constants
// (cell heights via a copy of V8's Math.hypot, bin counts, search ranges)
// follow the TypeScript too, although the edge set does not depend on them.
// Only the traversal differs: atoms are visited in bin order (cache locality),
// which changes nothing in the output since every atom's edges are sorted.
//
// Two passes over the atoms, both parallel: eg_radius_graph_count bins the
// atoms and counts the neighbours of every atom (so the caller can allocate
// the outputs exactly), eg_radius_graph_fill finds them again and writes each
// atom's sorted edges at its offset. Every atom's edges depend only on the
// input, so the output does not depend on the number of threads.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <vector>

#include "internal.h"
#include "parallel.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

struct eg_radius_graph;

namespace {

constexpr const char* kFn = "eg_radius_graph";
// Bins per cutoff length (BINS_PER_CUTOFF in graph.ts): bins slightly wider than cutoff / 2,
// searched 2 bins each way.
constexpr double kBinsPerCutoff = 2;

// Math.hypot of V8 (src/builtins/math.tq): scale by the largest magnitude,
// Kahan-compensated sum of squares.
double js_hypot(const double* xs, int n) {
  double max = 0;
  bool nan = false;
  for (int k = 0; k < n; ++k) {
    const double v = std::fabs(xs[k]);
    if (std::isnan(v)) nan = true;
    else if (v > max) max = v;
  }
  if (max == std::numeric_limits<double>::infinity()) return max;
  if (nan) return std::numeric_limits<double>::quiet_NaN();
  if (max == 0) return 0;
  double sum = 0, compensation = 0;
  for (int k = 0; k < n; ++k) {
    const double m = std::fabs(xs[k]) / max;
    const double summand = m * m - compensation;
    const double preliminary = sum + summand;
    compensation = (preliminary - sum) - summand;
    sum = preliminary;
  }
  return std::sqrt(sum) * max;
}

// A number as JavaScript prints it, for the non-finite and huge values that
// appear in error messages.
void js_number(double v, char* buf, size_t size) {
  if (std::isnan(v)) std::snprintf(buf, size, "NaN");
  else if (std::isinf(v)) std::snprintf(buf, size, v > 0 ? "Infinity" : "-Infinity");
  else if (std::trunc(v) == v && std::fabs(v) < 1e21) std::snprintf(buf, size, "%.0f", v);
  else {
    for (int p = 1; p <= 17; ++p) {
      std::snprintf(buf, size, "%.*g", p, v);
      if (std::strtod(buf, nullptr) == v) break;
    }
  }
}

struct Frame {
  double cell[9];     // rows = lattice vectors (or the pseudo-cell of non-periodic data)
  double inv[9];      // s = r · inv
  double heights[3];  // distance between opposite faces along each lattice direction
};

// makeFrame of graph.ts; false (with the error recorded) for a singular or non-finite cell.
eg_status make_frame(const double* cell, int64_t graph, Frame& fr) {
  for (int k = 0; k < 9; ++k) {
    if (!std::isfinite(cell[k])) return eg::fail(EG_ERR_ARGUMENT, "cell of graph %lld has a non-finite entry", (long long)graph);
    fr.cell[k] = cell[k];
  }
  const double a0 = cell[0], a1 = cell[1], a2 = cell[2], b0 = cell[3], b1 = cell[4], b2 = cell[5],
               c0 = cell[6], c1 = cell[7], c2 = cell[8];
  const double bc[3] = {b1 * c2 - b2 * c1, b2 * c0 - b0 * c2, b0 * c1 - b1 * c0};
  const double ca[3] = {c1 * a2 - c2 * a1, c2 * a0 - c0 * a2, c0 * a1 - c1 * a0};
  const double ab[3] = {a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0};
  const double det = a0 * bc[0] + a1 * bc[1] + a2 * bc[2];
  const double scale = js_hypot(cell, 3) * js_hypot(cell + 3, 3) * js_hypot(cell + 6, 3);
  if (!(std::fabs(det) > 1e-12 * scale)) {
    char d[64];
    js_number(det, d, sizeof d);
    return eg::fail(EG_ERR_ARGUMENT, "cell of graph %lld is singular (volume %s)", (long long)graph, d);
  }
  const double* crosses[3] = {bc, ca, ab};
  for (int a = 0; a < 3; ++a)
    for (int d = 0; d < 3; ++d) fr.inv[3 * d + a] = crosses[a][d] / det;
  const double vol = std::fabs(det);
  for (int a = 0; a < 3; ++a) fr.heights[a] = vol / js_hypot(crosses[a], 3);
  return EG_OK;
}

// One graph of the batch: its frame and cell list. Its atoms occupy the slots
// [begin, begin + size) of the plan, in bin order.
struct Group {
  int64_t begin = 0, size = 0;
  Frame fr;
  int64_t nb[3] = {1, 1, 1};
  int64_t range[3] = {0, 0, 0};
  int64_t bins = 0;       // nb[0] * nb[1] * nb[2]
  int64_t bin_base = 0;   // its bins start at bin_start[bin_base]
};

struct Candidate {
  int32_t j;
  int32_t s[3];
  double v[3];
  double d;
};

inline bool key_less(const Candidate& a, const Candidate& b) {
  if (a.j != b.j) return a.j < b.j;
  if (a.s[0] != b.s[0]) return a.s[0] < b.s[0];
  if (a.s[1] != b.s[1]) return a.s[1] < b.s[1];
  return a.s[2] < b.s[2];
}

inline int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

}  // namespace

struct eg_radius_graph {
  int64_t n = 0;
  double c2 = 0;
  bool pbc[3] = {false, false, false};
  bool self_loops = false;
  bool truncate = false;
  int64_t max_nb = -1;  // < 0: unlimited
  std::vector<Group> groups;
  std::vector<int32_t> group_of;  // [n]
  // per slot (atoms in bin order, graph by graph)
  std::vector<double> sd;         // [slots, 6] position as given (x, y, z), whole cells removed
                                  // on periodic axes (|k| <= 2^30, exact as doubles)
  std::vector<int32_t> bin3;      // [slots, 3] bin coordinates
  std::vector<int32_t> atom;      // [slots]
  std::vector<int64_t> bin_start; // per group: bins + 1 entries (global slot indices)
  // counts
  std::vector<int32_t> found;     // [n] neighbours within the cutoff
  std::vector<int64_t> offset;    // [n + 1] first edge of every atom
  std::vector<int32_t> dropped_atoms, dropped_found;

  // Calls f(slot_j, sx, sy, sz, vx, vy, vz, d2) for every neighbour of the atom in
  // slot si (d2 < cutoff², self edge excluded unless self_loops), in cell-list
  // order. The shifts are integers held exactly in doubles.
  template <class F>
  void for_neighbours(int64_t si, F&& f) const {
    const Group& G = groups[group_of[atom[si]]];
    const double* C = G.fr.cell;
    const double* sdi = sd.data() + 6 * si;
    const double xi = sdi[0], yi = sdi[1], zi = sdi[2];
    const double wi0 = sdi[3], wi1 = sdi[4], wi2 = sdi[5];
    const int64_t nbx = G.nb[0], nby = G.nb[1], nbz = G.nb[2];
    const int64_t rx = G.range[0], ry = G.range[1], rz = G.range[2];
    const int64_t bx = bin3[3 * si], by = bin3[3 * si + 1], bz = bin3[3 * si + 2];
    const int64_t* starts = bin_start.data() + G.bin_base;
    const double c2_ = c2;
    for (int64_t dx = -rx; dx <= rx; ++dx) {
      int64_t cx = bx + dx, ix = 0;
      if (pbc[0]) {
        ix = floor_div(cx, nbx);
        cx -= ix * nbx;
      } else if (cx < 0 || cx >= nbx) {
        continue;
      }
      for (int64_t dy = -ry; dy <= ry; ++dy) {
        int64_t cy = by + dy, iy = 0;
        if (pbc[1]) {
          iy = floor_div(cy, nby);
          cy -= iy * nby;
        } else if (cy < 0 || cy >= nby) {
          continue;
        }
        for (int64_t dz = -rz; dz <= rz; ++dz) {
          int64_t cz = bz + dz, iz = 0;
          if (pbc[2]) {
            iz = floor_div(cz, nbz);
            cz -= iz * nbz;
          } else if (cz < 0 || cz >= nbz) {
            continue;
          }
          const int64_t b = (cx * nby + cy) * nbz + cz;
          const int64_t end = starts[b + 1];
          const double fix = double(ix), fiy = double(iy), fiz = double(iz);
          for (int64_t p = starts[b]; p < end; ++p) {
            // source image in the wrapped frame → shift relative to the positions as given
            const double* sdp = sd.data() + 6 * p;
            const double fx = sdp[3] - wi0 - fix;
            const double fy = sdp[4] - wi1 - fiy;
            const double fz = sdp[5] - wi2 - fiz;
            if (p == si && fx == 0 && fy == 0 && fz == 0 && !self_loops) continue;
            const double vx = xi - sdp[0] + fx * C[0] + fy * C[3] + fz * C[6];
            const double vy = yi - sdp[1] + fx * C[1] + fy * C[4] + fz * C[7];
            const double vz = zi - sdp[2] + fx * C[2] + fy * C[5] + fz * C[8];
            const double d2 = vx * vx + vy * vy + vz * vz;
            if (d2 < c2_) f(p, fx, fy, fz, vx, vy, vz, d2);
          }
        }
      }
    }
  }
};

namespace {

// Everything of eg_radius_graph_count up to the counts.
eg_status build(eg_radius_graph& P, const double* positions, int64_t n, double cutoff,
                const double* cells, int64_t n_cells, int pbc_mask, const int32_t* batch) {
  P.n = n;
  for (int a = 0; a < 3; ++a) P.pbc[a] = (pbc_mask >> a) & 1;
  const bool any_pbc = P.pbc[0] || P.pbc[1] || P.pbc[2];
  for (int64_t k = 0; k < 3 * n; ++k) {
    if (!std::isfinite(positions[k])) {
      char v[64];
      js_number(positions[k], v, sizeof v);
      return eg::fail(EG_ERR_ARGUMENT, "positions: atom %lld has a non-finite coordinate (%s at component %d)",
                      (long long)(k / 3), v, int(k % 3));
    }
  }
  if (!(cutoff > 0) || !std::isfinite(cutoff)) {
    char c[64];
    js_number(cutoff, c, sizeof c);
    return eg::fail(EG_ERR_ARGUMENT, "cutoff must be a positive finite number, got %s", c);
  }
  P.c2 = cutoff * cutoff;
  if (any_pbc && !cells) return eg::fail(EG_ERR_ARGUMENT, "periodic boundaries need a cell");

  // groups by graph id, ascending atom order inside a group
  int64_t num_graphs = 1;
  P.group_of.assign(n, 0);
  if (batch) {
    num_graphs = 0;
    for (int64_t i = 0; i < n; ++i) {
      if (batch[i] < 0) return eg::fail(EG_ERR_INDEX, "batch[%lld] = %d is not a non-negative integer", (long long)i, batch[i]);
      P.group_of[i] = batch[i];
      if (int64_t(batch[i]) + 1 > num_graphs) num_graphs = int64_t(batch[i]) + 1;
    }
  }
  if (cells && n_cells != 1 && n_cells != num_graphs)
    return eg::fail(EG_ERR_ARGUMENT, "cell has length %lld; expected 9 or 9·numGraphs = %lld",
                    (long long)(9 * n_cells), (long long)(9 * num_graphs));
  P.groups.assign(num_graphs, Group());
  for (int64_t i = 0; i < n; ++i) P.groups[P.group_of[i]].size++;
  int64_t acc = 0;
  for (Group& G : P.groups) {
    G.begin = acc;
    acc += G.size;
  }
  std::vector<int32_t> members(n);  // atoms of each group, ascending
  {
    std::vector<int64_t> fill(num_graphs);
    for (int64_t g = 0; g < num_graphs; ++g) fill[g] = P.groups[g].begin;
    for (int64_t i = 0; i < n; ++i) members[fill[P.group_of[i]]++] = int32_t(i);
  }

  // fractional coordinates (wrapped on periodic axes) and the wrap counts, by local index
  std::vector<double> s(3 * n);
  std::vector<int64_t> wrap_local(3 * n, 0);
  const bool gp[3] = {any_pbc && P.pbc[0], any_pbc && P.pbc[1], any_pbc && P.pbc[2]};
  for (int64_t g = 0; g < num_graphs; ++g) {
    Group& G = P.groups[g];
    if (G.size == 0) continue;
    const int32_t* group = members.data() + G.begin;
    if (any_pbc) {
      eg_status st = make_frame(cells + 9 * (n_cells == 1 ? 0 : g), g, G.fr);
      if (st != EG_OK) return st;
    } else {  // boundingFrame: an orthorhombic box over the bounding box
      double lo[3] = {INFINITY, INFINITY, INFINITY}, hi[3] = {-INFINITY, -INFINITY, -INFINITY};
      for (int64_t t = 0; t < G.size; ++t) {
        for (int a = 0; a < 3; ++a) {
          const double v = positions[3 * int64_t(group[t]) + a];
          if (v < lo[a]) lo[a] = v;
          if (v > hi[a]) hi[a] = v;
        }
      }
      double L[3];
      for (int a = 0; a < 3; ++a) L[a] = std::max(std::max(hi[a] - lo[a], cutoff), 1e-300);
      const double cell[9] = {L[0], 0, 0, 0, L[1], 0, 0, 0, L[2]};
      const double inv[9] = {1 / L[0], 0, 0, 0, 1 / L[1], 0, 0, 0, 1 / L[2]};
      std::memcpy(G.fr.cell, cell, sizeof cell);
      std::memcpy(G.fr.inv, inv, sizeof inv);
      for (int a = 0; a < 3; ++a) G.fr.heights[a] = L[a];
    }
    const double* inv = G.fr.inv;
    for (int64_t t = 0; t < G.size; ++t) {
      const int64_t i = group[t];
      const int64_t l = G.begin + t;
      const double x = positions[3 * i], y = positions[3 * i + 1], z = positions[3 * i + 2];
      for (int a = 0; a < 3; ++a) {
        double v = x * inv[a] + y * inv[3 + a] + z * inv[6 + a];
        if (gp[a]) {
          double k = std::floor(v);
          v -= k;
          if (v >= 1) {
            v -= 1;
            k += 1;
          }
          if (std::fabs(k) > 1073741824.0) {
            char kb[64];
            js_number(k, kb, sizeof kb);
            return eg::fail(EG_ERR_ARGUMENT, "atom %lld is %s cells away from the origin", (long long)i, kb);
          }
          wrap_local[3 * l + a] = int64_t(k);
        }
        s[3 * l + a] = v;
      }
    }
  }

  // bins per group
  std::vector<int32_t> bin_local(3 * n);
  std::vector<int64_t> flat(n);
  int64_t total_bins = 0;
  for (Group& G : P.groups) {
    if (G.size == 0) continue;
    const int64_t m = G.size;
    double nb[3] = {1, 1, 1}, origin[3] = {0, 0, 0}, span[3] = {1, 1, 1};
    for (int a = 0; a < 3; ++a) {
      if (!gp[a]) {
        double lo = INFINITY, hi = -INFINITY;
        for (int64_t t = 0; t < m; ++t) {
          const double v = s[3 * (G.begin + t) + a];
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        origin[a] = lo;
        span[a] = std::max(hi - lo, 0.0);
      }
      const double width = span[a] * G.fr.heights[a];
      nb[a] = std::max(1.0, std::floor((width * kBinsPerCutoff) / (cutoff * (1 + 1e-8))));
    }
    const double max_bins = std::max(8.0, 2.0 * double(m));
    while (nb[0] * nb[1] * nb[2] > max_bins) {
      int a = 0;
      if (nb[1] > nb[a]) a = 1;
      if (nb[2] > nb[a]) a = 2;
      nb[a] = std::max(1.0, std::floor(nb[a] / 2));
    }
    for (int a = 0; a < 3; ++a) {
      const double bin_width = (span[a] * G.fr.heights[a]) / nb[a];
      double r = bin_width > 0 ? std::ceil(cutoff / bin_width + 1e-9) : 0;
      if (!gp[a]) r = std::min(r, nb[a] - 1);
      G.nb[a] = int64_t(nb[a]);
      G.range[a] = int64_t(r);
    }
    G.bins = G.nb[0] * G.nb[1] * G.nb[2];
    G.bin_base = total_bins;
    total_bins += G.bins + 1;
    for (int64_t t = 0; t < m; ++t) {
      const int64_t l = G.begin + t;
      for (int a = 0; a < 3; ++a) {
        const double u = span[a] > 0 ? (s[3 * l + a] - origin[a]) / span[a] : 0;
        double b = std::floor(u * nb[a]);
        if (b >= nb[a]) b = nb[a] - 1;
        if (b < 0) b = 0;
        bin_local[3 * l + a] = int32_t(b);
      }
      flat[l] = (int64_t(bin_local[3 * l]) * G.nb[1] + bin_local[3 * l + 1]) * G.nb[2] + bin_local[3 * l + 2];
    }
  }

  // counting sort of every group's atoms by bin → slots
  P.bin_start.assign(total_bins, 0);
  P.sd.resize(6 * n);
  P.bin3.resize(3 * n);
  P.atom.resize(n);
  for (Group& G : P.groups) {
    if (G.size == 0) continue;
    int64_t* starts = P.bin_start.data() + G.bin_base;
    for (int64_t t = 0; t < G.size; ++t) starts[flat[G.begin + t] + 1]++;
    starts[0] = G.begin;
    for (int64_t b = 0; b < G.bins; ++b) starts[b + 1] += starts[b];
    std::vector<int64_t> fill(starts, starts + G.bins);
    for (int64_t t = 0; t < G.size; ++t) {
      const int64_t l = G.begin + t;
      const int64_t p = fill[flat[l]]++;
      const int32_t i = members[l];
      P.atom[p] = i;
      for (int a = 0; a < 3; ++a) {
        P.sd[6 * p + a] = positions[3 * int64_t(i) + a];
        P.sd[6 * p + 3 + a] = double(wrap_local[3 * l + a]);
        P.bin3[3 * p + a] = bin_local[3 * l + a];
      }
    }
  }
  return EG_OK;
}

}  // namespace

extern "C" eg_status eg_radius_graph_count(const double* positions, int64_t n, double cutoff,
                                           const double* cells, int64_t n_cells, int pbc_mask,
                                           const int32_t* batch, int64_t max_neighbors, int flags,
                                           eg_radius_graph** plan, int64_t* info) {
  EG_GUARD_BEGIN
  if (!plan || !info) return eg::fail(EG_ERR_ARGUMENT, "%s_count: plan and info must not be null", kFn);
  *plan = nullptr;
  for (int k = 0; k < 5; ++k) info[k] = 0;
  info[3] = -1;
  if (n < 0 || n > INT32_MAX) return eg::fail(EG_ERR_ARGUMENT, "%s_count: n = %lld atoms is outside [0, 2^31)", kFn, (long long)n);
  if (n > 0 && !positions) return eg::fail(EG_ERR_ARGUMENT, "%s_count: positions must not be null", kFn);
  if (cells && n_cells < 1) return eg::fail(EG_ERR_ARGUMENT, "%s_count: n_cells must be >= 1 with a cell", kFn);
  if (pbc_mask < 0 || pbc_mask > 7) return eg::fail(EG_ERR_ARGUMENT, "%s_count: pbc_mask must be in [0, 7]", kFn);

  eg_radius_graph* P = new eg_radius_graph();
  P->self_loops = (flags & EG_RADIUS_GRAPH_SELF_LOOPS) != 0;
  P->truncate = (flags & EG_RADIUS_GRAPH_TRUNCATE) != 0;
  P->max_nb = max_neighbors;
  eg_status st;
  try {
    st = build(*P, positions, n, cutoff, cells, n_cells, pbc_mask, batch);
  } catch (...) {
    delete P;
    throw;
  }
  if (st != EG_OK) {
    delete P;
    return st;
  }

  // Both passes walk the atoms in bin order (neighbouring atoms share bins, so
  // the cell list stays in cache) and keep the results per atom.
  P->found.assign(n, 0);
  eg::parallel_for(
      0, n,
      [P](int64_t lo, int64_t hi) {
        for (int64_t si = lo; si < hi; ++si) {
          int64_t c = 0;
          P->for_neighbours(si, [&c](int64_t, double, double, double, double, double, double, double) { ++c; });
          P->found[P->atom[si]] = int32_t(std::min<int64_t>(c, INT32_MAX));
        }
      },
      256);

  // offsets; atoms over max_neighbors (all of them reported with 'truncate', the first otherwise)
  P->offset.assign(n + 1, 0);
  int64_t dropped_total = 0;
  for (int64_t i = 0; i < n; ++i) {
    int64_t keep = P->found[i];
    if (P->max_nb >= 0 && keep > P->max_nb) {
      if (!P->truncate) {
        info[3] = i;
        info[4] = keep;
        delete P;
        return EG_OK;
      }
      P->dropped_atoms.push_back(int32_t(i));
      P->dropped_found.push_back(int32_t(keep));
      dropped_total += keep - P->max_nb;
      keep = P->max_nb;
    }
    P->offset[i + 1] = P->offset[i] + keep;
  }
  info[0] = P->offset[n];
  info[1] = int64_t(P->dropped_atoms.size());
  info[2] = dropped_total;
  *plan = P;
  return EG_OK;
  EG_GUARD_END("eg_radius_graph_count")
}

extern "C" eg_status eg_radius_graph_fill(const eg_radius_graph* plan, int32_t* edge_index, int32_t* shifts,
                                          double* vectors, double* distances, int32_t* dropped_atoms,
                                          int32_t* dropped_found) {
  EG_GUARD_BEGIN
  if (!plan) return eg::fail(EG_ERR_ARGUMENT, "%s_fill: plan must not be null", kFn);
  const eg_radius_graph& P = *plan;
  const int64_t E = P.offset[P.n];
  if (E > 0 && !edge_index) return eg::fail(EG_ERR_ARGUMENT, "%s_fill: edge_index must not be null", kFn);
  eg::parallel_for(
      0, P.n,
      [&](int64_t lo, int64_t hi) {
        std::vector<Candidate> cand;
        for (int64_t si = lo; si < hi; ++si) {
          const int64_t i = P.atom[si];
          cand.clear();
          P.for_neighbours(si, [&](int64_t p, double sx, double sy, double sz, double vx, double vy, double vz, double d2) {
            // shifts are stored (and compared) as int32, as in the TypeScript's Int32Array
            cand.push_back(Candidate{P.atom[p], {int32_t(int64_t(sx)), int32_t(int64_t(sy)), int32_t(int64_t(sz))}, {vx, vy, vz}, std::sqrt(d2)});
          });
          const int64_t m = int64_t(cand.size());
          int64_t keep = m;
          if (P.max_nb >= 0 && m > P.max_nb) {  // the nearest, ties by key
            keep = P.max_nb;
            std::nth_element(cand.begin(), cand.begin() + keep, cand.end(), [](const Candidate& a, const Candidate& b) {
              if (a.d != b.d) return a.d < b.d;
              return key_less(a, b);
            });
          }
          std::sort(cand.begin(), cand.begin() + keep, key_less);
          int64_t e = P.offset[i];
          for (int64_t k = 0; k < keep; ++k, ++e) {
            const Candidate& c = cand[k];
            edge_index[e] = c.j;
            edge_index[E + e] = int32_t(i);
            if (shifts)
              for (int a = 0; a < 3; ++a) shifts[3 * e + a] = c.s[a];
            if (vectors)
              for (int a = 0; a < 3; ++a) vectors[3 * e + a] = c.v[a];
            if (distances) distances[e] = c.d;
          }
        }
      },
      256);
  const size_t nd = P.dropped_atoms.size();
  if (nd > 0 && dropped_atoms) std::memcpy(dropped_atoms, P.dropped_atoms.data(), nd * sizeof(int32_t));
  if (nd > 0 && dropped_found) std::memcpy(dropped_found, P.dropped_found.data(), nd * sizeof(int32_t));
  return EG_OK;
  EG_GUARD_END("eg_radius_graph_fill")
}

extern "C" void eg_radius_graph_free(eg_radius_graph* plan) { delete plan; }
