// The gateway's own version, reported as serverInfo and clientInfo.
export const GATEWAY_VERSION = '0.1.0';
