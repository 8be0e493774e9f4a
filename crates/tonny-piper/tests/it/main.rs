//! A Piper voice for real: the `en_US-joe-medium` voice from PyPI, ONNX Runtime from PyPI's
//! wheel (beside the test program, as the build puts it), and espeak-ng for the phonemes.

mod speak;
