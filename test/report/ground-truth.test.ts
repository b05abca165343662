import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { datasetSpecOfCommand } from '../../src/report/ground-truth.js';

describe('datasetSpecOfCommand', () => {
  it('takes the dataset flags of a recorded dissect command and ignores the others', () => {
    const spec = datasetSpecOfCommand([
      'dissect', '--model', 'm.onnx', '--images', 'photos', '--labels', 'annot', '--classes', 'names.txt',
      '--ignore', '11', '--auto-color', '--layer', 'Conv_1', '--top-k', '5', '--out', 'runs/x',
    ]);
    assert.deepEqual(spec, { images: 'photos', labels: 'annot', classes: 'names.txt', ignore: 11, autoColor: true });
  });
  it('reads a Broden folder and its categories', () => {
    assert.deepEqual(datasetSpecOfCommand(['dissect', '--dataset', '/data/broden1_224', '--categories', 'object,part', '--layer', 'a']), {
      dataset: '/data/broden1_224',
      categories: ['object', 'part'],
    });
  });
  it('gives an empty spec when the command names no dataset', () => {
    assert.deepEqual(datasetSpecOfCommand(['netdissect', 'dissect', 'model.onnx']), {});
  });
});
