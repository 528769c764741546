// A minimal C API over libjxl's decoder for dicom-pixels: rebuild the original JPEG stream
// from a JPEG XL file that carries JPEG reconstruction data (a jbrd box, ISO/IEC 18181-2),
// with JxlDecoderSetJPEGBuffer and the JXL_DEC_JPEG_RECONSTRUCTION event. Built into a
// standalone WebAssembly module by scripts/build-libjxl-wasm.sh; loaded by src/wasm/jxl-jpeg.ts.
//
// One call at a time (the module is single-threaded); the result stays in the module's memory
// until the next call or jxl_jpeg_release().
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jxl/decode.h"

namespace {

enum Status : int {
  kOk = 0,
  kTruncated = 1,        // the input ends before the JPEG could be rebuilt
  kCorrupt = 2,          // libjxl refused the input
  kNoReconstruction = 3, // a valid JPEG XL image without JPEG reconstruction data
  kTooLarge = 4,         // the rebuilt JPEG would exceed max_out bytes
  kOutOfMemory = 5,      // an allocation of this wrapper failed
  kSizeMismatch = 6,     // the image is not expected_width x expected_height
};

uint8_t* g_out = nullptr;
size_t g_out_size = 0;
uint32_t g_width = 0;
uint32_t g_height = 0;

}  // namespace

extern "C" {

__attribute__((export_name("jxl_jpeg_release"))) void jxl_jpeg_release(void) {
  free(g_out);
  g_out = nullptr;
  g_out_size = 0;
}

__attribute__((export_name("jxl_jpeg_data"))) uint8_t* jxl_jpeg_data(void) { return g_out; }
__attribute__((export_name("jxl_jpeg_size"))) size_t jxl_jpeg_size(void) { return g_out_size; }
__attribute__((export_name("jxl_jpeg_width"))) uint32_t jxl_jpeg_width(void) { return g_width; }
__attribute__((export_name("jxl_jpeg_height"))) uint32_t jxl_jpeg_height(void) { return g_height; }

/**
 * Rebuild the JPEG of `in` (a JPEG XL container with a jbrd box). The image must be
 * expected_width x expected_height (0 for either: not checked); the JPEG may take at most
 * max_out bytes. On kOk, jxl_jpeg_data() / jxl_jpeg_size() give it.
 */
__attribute__((export_name("jxl_jpeg_reconstruct"))) int jxl_jpeg_reconstruct(
    const uint8_t* in, size_t in_len, uint32_t expected_width, uint32_t expected_height,
    size_t max_out) {
  jxl_jpeg_release();
  g_width = g_height = 0;
  JxlDecoder* dec = JxlDecoderCreate(nullptr);
  if (dec == nullptr) return kOutOfMemory;
  int status = kCorrupt;
  uint8_t* buffer = nullptr;
  size_t capacity = 0;
  size_t written = 0;
  bool jpeg = false;     // JXL_DEC_JPEG_RECONSTRUCTION seen: a buffer is set
  bool closed = false;   // all input given and JxlDecoderCloseInput called
  if (JxlDecoderSubscribeEvents(dec, JXL_DEC_BASIC_INFO | JXL_DEC_JPEG_RECONSTRUCTION | JXL_DEC_FULL_IMAGE) != JXL_DEC_SUCCESS ||
      JxlDecoderSetInput(dec, in, in_len) != JXL_DEC_SUCCESS) {
    JxlDecoderDestroy(dec);
    return kCorrupt;
  }
  for (;;) {
    JxlDecoderStatus event = JxlDecoderProcessInput(dec);
    if (event == JXL_DEC_BASIC_INFO) {
      JxlBasicInfo info;
      if (JxlDecoderGetBasicInfo(dec, &info) != JXL_DEC_SUCCESS) break;
      g_width = info.xsize;
      g_height = info.ysize;
      if ((expected_width != 0 && info.xsize != expected_width) || (expected_height != 0 && info.ysize != expected_height)) {
        status = kSizeMismatch;
        break;
      }
    } else if (event == JXL_DEC_JPEG_RECONSTRUCTION) {
      // A first guess; grown on JXL_DEC_JPEG_NEED_MORE_OUTPUT.
      capacity = in_len + in_len / 2 + 4096;
      if (capacity > max_out) capacity = max_out;
      if (capacity == 0) capacity = 1;
      buffer = static_cast<uint8_t*>(malloc(capacity));
      if (buffer == nullptr) {
        status = kOutOfMemory;
        break;
      }
      if (JxlDecoderSetJPEGBuffer(dec, buffer, capacity) != JXL_DEC_SUCCESS) break;
      jpeg = true;
    } else if (event == JXL_DEC_JPEG_NEED_MORE_OUTPUT) {
      written = capacity - JxlDecoderReleaseJPEGBuffer(dec);
      if (capacity >= max_out) {
        status = kTooLarge;
        break;
      }
      size_t grown = capacity > max_out / 2 ? max_out : capacity * 2;
      uint8_t* bigger = static_cast<uint8_t*>(realloc(buffer, grown));
      if (bigger == nullptr) {
        status = kOutOfMemory;
        break;
      }
      buffer = bigger;
      capacity = grown;
      if (JxlDecoderSetJPEGBuffer(dec, buffer + written, capacity - written) != JXL_DEC_SUCCESS) break;
    } else if (event == JXL_DEC_FULL_IMAGE) {
      // With a JPEG buffer set, the JPEG has been written when this event comes.
      if (!jpeg) {
        status = kNoReconstruction;
        break;
      }
      written = capacity - JxlDecoderReleaseJPEGBuffer(dec);
      g_out = buffer;
      g_out_size = written;
      buffer = nullptr;
      status = kOk;
      break;
    } else if (event == JXL_DEC_NEED_IMAGE_OUT_BUFFER) {
      // The frame is about to be rendered to pixels: no reconstruction data came first.
      status = kNoReconstruction;
      break;
    } else if (event == JXL_DEC_NEED_MORE_INPUT) {
      // Everything was given: tell libjxl so, and let it finish or fail.
      if (closed) {
        status = kTruncated;
        break;
      }
      JxlDecoderCloseInput(dec);
      closed = true;
    } else if (event == JXL_DEC_SUCCESS) {
      // The input ended without the frame that JXL_DEC_FULL_IMAGE reports.
      status = jpeg ? kTruncated : kNoReconstruction;
      break;
    } else {
      // JXL_DEC_ERROR; after CloseInput, libjxl reports missing input as an error too.
      status = closed ? kTruncated : kCorrupt;
      break;
    }
  }
  free(buffer);
  JxlDecoderDestroy(dec);
  return status;
}

}  // extern "C"
