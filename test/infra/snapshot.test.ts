/**
 * A snapshot of the synthesized template: any change to the deployed resources shows up in review.
 * Asset hashes (which change with every code edit) are masked. Update with `npx jest -u` after
 * checking the diff.
 */
import { build } from './helpers';

function mask(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value).replace(/[0-9a-f]{64}(\.zip|\.json)?/g, '<asset-hash>$1'));
}

it('synthesizes the documented stack', () => {
  const { template } = build({ alertEmail: 'oncall@example.com:critical|high' }, { bundle: false });
  expect(mask(template.toJSON())).toMatchSnapshot();
});
