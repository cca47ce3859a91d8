import * as vscode from 'vscode';
import type { RegistryConfig } from '../../core/registry/types';
import { lineagePaths } from '../../core/util/lineagePaths';
import { setting } from '../config';

/**
 * The registries a folder can push to: `.lineage/config.json`'s and the `lineage.registries` setting's (a
 * name in both takes the setting's). A broken entry is said once and left out, so one typo does not take
 * every registry away.
 */
export async function registriesFor(folder: string, log: (line: string) => void): Promise<RegistryConfig[]> {
  const { readConfigRegistries, validateRegistry, mergeRegistries } = await import('../../core/registry/config');
  let fromFile: RegistryConfig[] = [];
  try {
    fromFile = readConfigRegistries(lineagePaths(folder).root);
  } catch (err) {
    void vscode.window.showWarningMessage(`Lineage: ${(err as Error).message}`);
  }
  const fromSettings: RegistryConfig[] = [];
  setting('registries', vscode.Uri.file(folder)).forEach((raw, i) => {
    try {
      fromSettings.push(validateRegistry(raw, `setting lineage.registries[${i}]`, folder));
    } catch (err) {
      log((err as Error).message);
      void vscode.window.showWarningMessage(`Lineage: ${(err as Error).message}`);
    }
  });
  return mergeRegistries(fromFile, fromSettings);
}
