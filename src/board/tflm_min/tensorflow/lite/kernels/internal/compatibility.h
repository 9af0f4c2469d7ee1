// tflm_min (README.md): TFLite Micro's debug checks, compiled out as in the
// NDEBUG builds CFU Playground projects make by default.
#ifndef TENSORFLOW_LITE_KERNELS_INTERNAL_COMPATIBILITY_H_
#define TENSORFLOW_LITE_KERNELS_INTERNAL_COMPATIBILITY_H_

#define TFLITE_DCHECK(condition) (void)0
#define TFLITE_DCHECK_EQ(x, y) (void)0
#define TFLITE_DCHECK_NE(x, y) (void)0
#define TFLITE_DCHECK_GE(x, y) (void)0
#define TFLITE_DCHECK_GT(x, y) (void)0
#define TFLITE_DCHECK_LE(x, y) (void)0
#define TFLITE_DCHECK_LT(x, y) (void)0

#endif
