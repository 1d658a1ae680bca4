// Entry point: starts the dashboard against the page's own origin (a node, or the devnet aggregator).
import { html, render } from 'htm/preact';
import { App } from './app.js';
import { Dashboard } from './store.js';

const d = new Dashboard();
// For the browser tests and the benchmark: the state, and a way to drop and reopen the event stream.
(window as unknown as { cairn: Dashboard }).cairn = d;
render(html`<${App} d=${d} />`, document.getElementById('app')!);
void d.start();
