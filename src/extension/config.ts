import * as vscode from 'vscode';
import { SETTING_DEFAULTS, type Settings } from './settingDefaults';

/**
 * Lineage's settings, read for a resource (they are resource-scoped, so each folder of a multi-root
 * workspace can differ). Every read of `lineage.*` goes through here.
 */
export function setting<K extends keyof Settings>(key: K, resource?: vscode.Uri): Settings[K] {
  return vscode.workspace.getConfiguration('lineage', resource).get<Settings[K]>(key, SETTING_DEFAULTS[key]);
}

export function updateSetting<K extends keyof Settings>(key: K, value: Settings[K], target = vscode.ConfigurationTarget.Workspace): Thenable<void> {
  return vscode.workspace.getConfiguration('lineage').update(key, value, target);
}

export function affectsSetting(e: vscode.ConfigurationChangeEvent, key: keyof Settings): boolean {
  return e.affectsConfiguration(`lineage.${key}`);
}
