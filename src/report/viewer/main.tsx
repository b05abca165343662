// Entry of the viewer bundle (a classic script loaded after data.js): take the data and the
// static bar graphs, hide the static page and render the interactive one in its place.
import { render } from 'preact';
import { App } from './app';
import css from './viewer.css?inline';

function start(): void {
  const data = window.__NETDISSECT__;
  const root = document.getElementById('app');
  const page = document.getElementById('static');
  if (!data || !root) return; // no data: the static page stays, which is still a full report
  const bars = new Map<string, Element>();
  for (const fig of document.querySelectorAll('figure[data-bars]')) {
    const svg = fig.querySelector('svg');
    const dir = fig.getAttribute('data-bars');
    if (svg && dir !== null) bars.set(dir, svg);
  }
  const style = document.createElement('style');
  style.textContent = css;
  document.head.append(style);
  if (page) page.hidden = true;
  render(<App data={data} bars={bars} />, root);
}

start();
