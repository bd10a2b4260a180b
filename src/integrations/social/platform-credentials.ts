/** What a platform adapter needs to act for one user: their token, and their id there if known. */
export interface PlatformCredentials {
  token: string;
  externalId?: string;
}
