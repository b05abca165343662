import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runInNewContext } from 'node:vm';
import { escapeHtml, scriptSafeJson } from '../../src/report/escape.js';

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    assert.equal(escapeHtml(`<img src=x onerror="alert('1')">&`), '&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;');
  });
  it('leaves other text alone', () => {
    assert.equal(escapeHtml('street – Ümlaut 猫'), 'street – Ümlaut 猫');
  });
});

describe('scriptSafeJson', () => {
  const nasty = { name: '</script><script>alert(1)</script>', line: 'a\u2028b\u2029c', comment: '<!-- x -->', amp: 'a&b' };
  const text = scriptSafeJson(nasty);
  it('contains no character that could end or confuse the <script> element', () => {
    assert.doesNotMatch(text, /[<>&\u2028\u2029]/);
  });
  it('evaluates back to the same value', () => {
    // Through JSON once more: objects made in another vm context have another Object prototype.
    assert.deepEqual(JSON.parse(JSON.stringify(runInNewContext(`(${text})`))), nasty);
    assert.deepEqual(JSON.parse(text), nasty);
  });
});
