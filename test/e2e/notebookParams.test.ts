import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parameterArgs, parameterDefaults } from '../../src/extension/notebooks/notebookParams';

const ipynb = (source: string | string[], tags: string[] = ['parameters']) =>
  JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      { cell_type: 'markdown', source: 'x = 1', metadata: {} },
      { cell_type: 'code', source, metadata: { tags }, outputs: [] },
    ],
  });

test('"Run Notebook with Parameters…" starts from the parameters cell: one name=value per plain assignment', () => {
  assert.equal(
    parameterDefaults(ipynb(['lr = 0.01\n', 'name = "baseline"\n', "opt: str = 'adam'  # optimiser\n", 'layers = [1, 2]\n', 'x == 3\n', 'label = "3"\n'])),
    "lr=0.01 name=baseline opt=adam layers='[1, 2]' label='\"3\"'",
  );
  assert.equal(parameterDefaults(ipynb('lr = 0.01', ['other'])), '', 'only the cell tagged parameters');
  assert.equal(parameterDefaults('not json'), '');
});

test("the typed text becomes the runner's -p arguments, and a word that is not name=value is refused with an example", () => {
  assert.deepEqual(parameterArgs("lr=0.1 layers='[1, 2]' -p name=x"), ['-p', 'lr=0.1', '-p', 'layers=[1, 2]', '-p', 'name=x']);
  assert.deepEqual(parameterArgs(''), []);
  assert.match(parameterArgs('lr 0.1') as string, /"lr" is not name=value; write e\.g\. lr=0\.1/);
  assert.match(parameterArgs("lr='0.1") as string, /quote/);
});
