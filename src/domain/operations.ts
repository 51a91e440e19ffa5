// Every AWS IoT operation ddlocal implements, by model operation name. Operations of the model that are missing
// here answer 501 NotImplementedException (Dec W4).
import type { HandlerTable } from './context.js';
import { thingHandlers } from './things.js';

export const HANDLERS: HandlerTable = {
  ...thingHandlers,
};
