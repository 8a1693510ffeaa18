// The studio suite on the loopback host with the random-weight fixture model: fast, and
// independent of any trained model.
import { fixtureDir } from '../app/engine/test-support.js';
import { hostSuite } from './support/host-backend.js';

hostSuite('studio UI (real service, fixture model)', fixtureDir, 'real-');
