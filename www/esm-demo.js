// The widget loaded from the npm package's ES module build, as an app
// without a bundler would: `import { start } from 'xsell'`.
import { start } from '/npm/index.js';

const tag = document.getElementById('xsell-esm');
window.xsell = { ready: start({ model: tag.dataset.model, config: tag.dataset.config, experiments: tag.dataset.experiments, endpoint: tag.dataset.endpoint }) };
