// The six mitigation action types by type name (mitigation.md §7): the engine looks up the snapshot's actionType here.
import type { MitigationActionImplementation, MitigationActionType } from '../action.js';
import { updateDeviceCertificate } from './update-device-certificate.js';
import { updateCaCertificate } from './update-ca-certificate.js';
import { addThingsToThingGroup } from './add-things-to-thing-group.js';
import { replaceDefaultPolicyVersion } from './replace-default-policy-version.js';
import { enableIoTLogging } from './enable-iot-logging.js';
import { publishFindingToSns } from './publish-finding-to-sns.js';

export { MITIGATION_EXECUTION_ORIGIN } from './publish-finding-to-sns.js';

export const ACTION_IMPLEMENTATIONS: Map<MitigationActionType, MitigationActionImplementation> = new Map(
  [updateDeviceCertificate, updateCaCertificate, addThingsToThingGroup, replaceDefaultPolicyVersion, enableIoTLogging, publishFindingToSns].map(
    (impl) => [impl.type, impl],
  ),
);
