// The version is written once (package.json) and read everywhere else; the changelog has a
// section for it; `--version` names the onnxruntime-node actually installed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onnxruntimeVersion, TOOL_VERSION, versionLine } from '../../src/util/version.js';

// dist/test/util/ → the repository root.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const readJson = (file: string): { version: string } => JSON.parse(readFileSync(file, 'utf8')) as { version: string };

describe('version', () => {
  it('TOOL_VERSION is package.json\'s version, a semantic version', () => {
    const version = readJson(path.join(ROOT, 'package.json')).version;
    assert.equal(TOOL_VERSION, version);
    assert.match(version, /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
  });

  it('CHANGELOG.md has an Unreleased section and a dated section for this version', () => {
    const changelog = readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8');
    assert.match(changelog, /^## \[Unreleased\]$/m);
    const escaped = TOOL_VERSION.replace(/[.+-]/g, '\\$&');
    assert.match(changelog, new RegExp(`^## \\[${escaped}\\] - \\d{4}-\\d{2}-\\d{2}$`, 'm'), `a "## [${TOOL_VERSION}] - YYYY-MM-DD" section`);
  });

  it('versionLine names the tool, the onnxruntime-node binding and node', () => {
    const ort = readJson(path.join(ROOT, 'node_modules', 'onnxruntime-node', 'package.json')).version;
    assert.equal(onnxruntimeVersion(), ort);
    assert.equal(versionLine(), `netdissect ${TOOL_VERSION} (onnxruntime-node ${ort}, node ${process.version})`);
  });
});
