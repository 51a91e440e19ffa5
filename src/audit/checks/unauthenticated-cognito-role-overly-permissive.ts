// UNAUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK: unauthenticated identities may not touch any
// IoT admin action, not even on one thing.
import { cognitoRoleCheck } from './authenticated-cognito-role-overly-permissive.js';

export const unauthenticatedCognitoRoleOverlyPermissiveCheck = cognitoRoleCheck('UNAUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK', false, [
  'ALLOWS_ACCESS_TO_IOT_ADMIN_ACTIONS',
  'ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS',
]);
