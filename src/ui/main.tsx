import { render } from 'preact';
import { App } from './app.js';
import './styles.css';

/*
 * Entry point of the Workspace bundle: mounts the app into #app. Everything the app needs
 * (code, styles) is in the bundle, so it works with no network beyond the gateway itself.
 */
const root = document.getElementById('app');
if (root !== null) {
  root.textContent = '';
  render(<App />, root);
}
