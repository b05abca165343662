import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { datasetSpecOfCommand, indexLabels } from '../../src/report/ground-truth.js';

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

describe('indexLabels', () => {
  it('lists the pixels of every label over all channels, and the image-level labels', () => {
    const index = indexLabels({
      byCategory: new Map([
        ['object', { maps: [Uint16Array.from([0, 3, 3, 5])], imageLabels: [] }],
        ['part', { maps: [Uint16Array.from([5, 0, 0, 0]), Uint16Array.from([0, 0, 7, 0])], imageLabels: [9] }],
      ]),
    });
    assert.deepEqual(
      [...index.pixels].map(([l, at]) => [l, [...at]]),
      [
        [3, [1, 2]],
        [5, [3, 0]],
        [7, [2]],
      ],
    );
    assert.deepEqual([...index.imageLevel], [9]);
  });
});
