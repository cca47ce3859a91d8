/** The MLflow registry client (push, pull, aliases) and the run mirroring that sync and import share. */
export { createMlflowClient, mlflowReference, MANIFEST_FILE } from './client';
