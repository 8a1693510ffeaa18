// The studio suite on the loopback host with the model a user gets (models/bundles/face-64):
// its slider-repaint p95 is the responsiveness figure the README reports.
import { defaultBundleDir } from '../app/engine/default-bundle.js';
import { hostSuite } from './support/host-backend.js';

hostSuite('studio UI (real service, shipped model)', defaultBundleDir(), 'shipped-');
