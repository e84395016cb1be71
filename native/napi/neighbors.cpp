// Node-API binding of the radius graph (C ABI section "Neighbour lists" in
// equigraph.h): one JS call runs both passes and returns fresh typed arrays
// of exactly the right sizes. Types are checked first (TypeError), then sizes
// (RangeError), so the kernel never touches memory it does not own.
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "args.h"
#include "equigraph.h"
#include "register.h"

namespace {

using egn::Args;
using egn::Array;
using egn::check;

// A bad batch entry is a plain Error, as the TypeScript radiusGraph throws it.
constexpr egn::IndexError kIndexError = egn::IndexError::Plain;

// Frees the plan however the call ends.
struct PlanGuard {
  eg_radius_graph* plan = nullptr;
  ~PlanGuard() { eg_radius_graph_free(plan); }
};

// radiusGraph(positions, cutoff, cells | null, pbcMask, batch | null, maxNeighbors, flags)
//   -> { numEdges, edgeIndex, shifts, edgeVectors, distances, droppedTotal,
//        droppedAtoms, droppedFound, overflowAtom, overflowFound }
// maxNeighbors: a negative number or Infinity means unlimited.
Napi::Value RadiusGraph(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args args(info, "radiusGraph");
  Array pos = args.array(0, "positions", egn::F64);
  if (pos.length % 3 != 0)
    args.range_error("argument 'positions' has " + std::to_string(pos.length) +
                     " elements, not a multiple of 3 (expected [n, 3])");
  const int64_t n = pos.length / 3;
  if (!info[1].IsNumber()) args.type_error("argument 'cutoff' must be a number");
  const double cutoff = info[1].As<Napi::Number>().DoubleValue();
  const double* cells = nullptr;
  int64_t n_cells = 0;
  if (!info[2].IsNull() && !info[2].IsUndefined()) {
    Array c = args.array(2, "cells", egn::F64);
    if (c.length == 0 || c.length % 9 != 0)
      args.range_error("argument 'cells' has " + std::to_string(c.length) + " elements, expected a positive multiple of 9");
    cells = static_cast<const double*>(c.data);
    n_cells = c.length / 9;
  }
  const int64_t pbc_mask = args.integer(3, "pbcMask");
  if (pbc_mask > 7) args.range_error("argument 'pbcMask' must be in [0, 7]");
  const int32_t* batch = nullptr;
  if (!info[4].IsNull() && !info[4].IsUndefined()) {
    Array b = args.array(4, "batch", egn::I32);
    if (b.length != n)
      args.range_error("argument 'batch' has " + std::to_string(b.length) + " elements, expected one per atom (" +
                       std::to_string(n) + ")");
    batch = static_cast<const int32_t*>(b.data);
  }
  if (!info[5].IsNumber()) args.type_error("argument 'maxNeighbors' must be a number");
  const double max_nb_d = info[5].As<Napi::Number>().DoubleValue();
  int64_t max_nb = -1;
  if (std::isfinite(max_nb_d) && max_nb_d >= 0) {
    if (std::trunc(max_nb_d) != max_nb_d || max_nb_d > 2147483647.0)
      args.range_error("argument 'maxNeighbors' must be an integer below 2^31, a negative number or Infinity");
    max_nb = int64_t(max_nb_d);
  } else if (std::isnan(max_nb_d)) {
    args.range_error("argument 'maxNeighbors' is NaN");
  }
  const int64_t flags = args.integer(6, "flags");
  if (flags > 3) args.range_error("argument 'flags' must be in [0, 3]");

  PlanGuard guard;
  int64_t counts[5];
  check(env, eg_radius_graph_count(static_cast<const double*>(pos.data), n, cutoff, cells, n_cells, int(pbc_mask),
                                   batch, max_nb, int(flags), &guard.plan, counts),
        kIndexError);
  Napi::Object out = Napi::Object::New(env);
  out.Set("overflowAtom", Napi::Number::New(env, double(counts[3])));
  out.Set("overflowFound", Napi::Number::New(env, double(counts[4])));
  const int64_t E = counts[0], nd = counts[1];
  if (!guard.plan) {  // an atom over maxNeighbors, no truncation
    out.Set("numEdges", Napi::Number::New(env, 0));
    return out;
  }
  if (E > int64_t(1) << 30) args.range_error(std::to_string(E) + " edges are too many for one Int32Array edge index");
  Napi::Int32Array edge_index = Napi::Int32Array::New(env, size_t(2 * E));
  Napi::Int32Array shifts = Napi::Int32Array::New(env, size_t(3 * E));
  Napi::Float64Array vectors = Napi::Float64Array::New(env, size_t(3 * E));
  Napi::Float64Array distances = Napi::Float64Array::New(env, size_t(E));
  Napi::Int32Array dropped_atoms = Napi::Int32Array::New(env, size_t(nd));
  Napi::Int32Array dropped_found = Napi::Int32Array::New(env, size_t(nd));
  check(env, eg_radius_graph_fill(guard.plan, edge_index.Data(), shifts.Data(), vectors.Data(), distances.Data(),
                                  dropped_atoms.Data(), dropped_found.Data()),
        kIndexError);
  out.Set("numEdges", Napi::Number::New(env, double(E)));
  out.Set("edgeIndex", edge_index);
  out.Set("shifts", shifts);
  out.Set("edgeVectors", vectors);
  out.Set("distances", distances);
  out.Set("droppedTotal", Napi::Number::New(env, double(counts[2])));
  out.Set("droppedAtoms", dropped_atoms);
  out.Set("droppedFound", dropped_found);
  return out;
}

}  // namespace

void RegisterNeighbors(Napi::Env env, Napi::Object exports) {
  exports.Set("radiusGraph", Napi::Function::New(env, RadiusGraph, "radiusGraph"));
}
