import * as vscode from 'vscode';
import { SETTING_DEFAULTS, type Settings } from './settingDefaults';
import type { KeepConfig } from '../core/datasets/objects/keepConfig';

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

/**
 * The kept-data settings (lineage.data.*) the user set in some scope, to lay over the workspace's
 * .lineage/config.json; a setting left at its default leaves that file in charge.
 */
export function keepOverrides(resource?: vscode.Uri): Partial<KeepConfig> {
  const c = vscode.workspace.getConfiguration('lineage', resource);
  const out: Record<string, unknown> = {};
  for (const k of ['keep', 'keepMaxBytes', 'keepInclude', 'keepExclude', 'keepOutputs'] as const) {
    const i = c.inspect(`data.${k}`);
    const v = i?.workspaceFolderValue ?? i?.workspaceValue ?? i?.globalValue;
    if (v !== undefined) out[k] = v;
  }
  return out;
}
