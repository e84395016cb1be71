// Registration hooks of the N-API binding files beside addon.cpp: each file
// binds one kernel family and adds its functions to the exports in Init.
#ifndef EQUIGRAPH_NAPI_REGISTER_H
#define EQUIGRAPH_NAPI_REGISTER_H

#include <napi.h>

// native/napi/tensor_product.cpp: segmentedTensorProduct
void RegisterTensorProduct(Napi::Env env, Napi::Object exports);

// native/napi/spherical_harmonics.cpp (declared here so Init links; its owner may extend this)
void RegisterSphericalHarmonics(Napi::Env env, Napi::Object exports);

// native/napi/neighbors.cpp: radiusGraph (eg_radius_graph_count / _fill)
void RegisterNeighbors(Napi::Env env, Napi::Object exports);

// native/napi/tp_convolution.cpp: tpConvolution (eg_tp_convolution)
void RegisterTpConvolution(Napi::Env env, Napi::Object exports);

// native/napi/cuda.cpp: cudaDeviceCount, cudaLastError and, when built with
// CUDA, device buffers (cudaAlloc/...) and the cuda* kernels
void RegisterCuda(Napi::Env env, Napi::Object exports);

#endif
