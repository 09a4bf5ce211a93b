// Key schema of the two tables, shared by the CDK stack and the local stack so they cannot drift.
export const CHECKS_TABLE_KEYS = { partitionKey: 'checkId' } as const;
export const AUDIT_TABLE_KEYS = { partitionKey: 'checkId', sortKey: 'seq' } as const;
/** Checks table TTL attribute (epoch seconds). */
export const CHECKS_TTL_ATTRIBUTE = 'expiresAt';
