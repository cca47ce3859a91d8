/** The old name of Lineage (lineage.ts), for modules not yet moved to it. */
export { Lineage as ExtensionContextState, type RunsChange } from './lineage';
