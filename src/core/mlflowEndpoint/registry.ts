/**
 * The Model Registry endpoints (registered models, model versions, aliases, stages) are not served here: they
 * are answered 501 NOT_IMPLEMENTED, MLflow's own error shape for "this server does not do that", so the
 * client raises an MlflowException that says why instead of failing on an HTML page.
 *
 * Why not map them onto Lineage's registry: Lineage's model registry is a record of pushes to a real
 * registry the user configured (OCI or MLflow, with its credentials and history, src/core/registry), made
 * after a run from its kept model files. A script's `registered_model_name=` or `create_model_version` names
 * no such registry, and a registry kept only for the script's lifetime would answer versions and aliases that
 * vanish when the script ends. The model's files are kept with the run (logged models, ./loggedModels.ts),
 * so `lineage push <run> --to <reference>` registers them where they should live.
 */
import { ApiError } from './errors';
import type { Ctx } from './tracking';

/** The MLflow 3.6 registry endpoints, by method and path under /api/2.0/mlflow/. */
const REGISTRY = [
  'POST registered-models/create',
  'POST registered-models/rename',
  'PATCH registered-models/update',
  'DELETE registered-models/delete',
  'GET registered-models/get',
  'GET registered-models/search',
  'POST registered-models/get-latest-versions',
  'GET registered-models/get-latest-versions',
  'POST registered-models/set-tag',
  'DELETE registered-models/delete-tag',
  'POST registered-models/alias',
  'GET registered-models/alias',
  'DELETE registered-models/alias',
  'POST model-versions/create',
  'PATCH model-versions/update',
  'DELETE model-versions/delete',
  'GET model-versions/get',
  'GET model-versions/search',
  'GET model-versions/get-download-uri',
  'POST model-versions/transition-stage',
  'POST model-versions/set-tag',
  'DELETE model-versions/delete-tag',
];

export const REGISTRY_MESSAGE =
  "Lineage's MLflow endpoint (lineage run) keeps no Model Registry. The logged model's files are kept with the run: " +
  'drop registered_model_name / the registry call, and register the model after the run with ' +
  '`lineage push <run> --to <reference>` (or the Models view), or point MLFLOW_TRACKING_URI at your MLflow server.';

function notServed(): never {
  throw new ApiError(501, 'NOT_IMPLEMENTED', REGISTRY_MESSAGE);
}

export const registryRoutes: Record<string, (c: Ctx) => unknown> = Object.fromEntries(REGISTRY.map((k) => [k, notServed]));
