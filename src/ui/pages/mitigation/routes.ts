// The mitigation section's addresses.
import type { PageRoutes } from '../../routes.js';

export const MITIGATION_ROUTES: PageRoutes = { views: [], actions: [], streams: [] };
