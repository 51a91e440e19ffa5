// The registry browser's addresses.
import type { PageRoutes } from '../../routes.js';

export const REGISTRY_ROUTES: PageRoutes = { views: [], actions: [] };
