/** Set by `lineage import` on a team member's MLflow run: read-only here (no script to rerun or reproduce). */
export const IMPORTED_TAG = 'lineage.imported_from';
