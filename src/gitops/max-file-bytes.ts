/** Default of `discovery.maxFileBytes`: discovery and the Crossplane scan skip larger files. */
export const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;
