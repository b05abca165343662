// The MobileNetV2 that ships with netdissect (models/, Apache-2.0, see models/README.md): the
// demo's model and the one a library user can dissect with nothing to download.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Preprocess } from '../model/preprocess.js';

// dist/src/util/ → the package root, in the repository and in an installed package alike.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Absolute path of the embedded model: input `input` float32 [N,3,224,224], RGB. */
export const EMBEDDED_MODEL: string = path.join(ROOT, 'models', 'mobilenet_v2_imagenet.onnx');

/** Its preprocessing: value = (pixel − 128) / 128 (the `mobilenet` preset). */
export const EMBEDDED_MODEL_PREPROCESS: Preprocess = { mean: [128, 128, 128], std: [128, 128, 128] };

/** The layers the demo dissects: the last convolution before its ReLU6 clip, and a mid block. */
export const EMBEDDED_MODEL_LAYERS: readonly string[] = ['Conv_1_preact', 'expanded_conv_12'];
