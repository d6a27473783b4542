#!/usr/bin/env bash
# The published package, tested as a user gets it: `npm pack` (which builds dist/), then, in empty
# temporary directories outside the repository, the tarball installed from it alone (dependencies
# from the npm cache when there), and
#   1. the CLI: no TypeScript or tsx installed; --help, init (and its refusal to overwrite),
#      validate, test and replay of the shipped samples (same alerts as the repository's CLI), with
#      worker threads too;
#   2. examples/cdk-app: its package.json installed with the tarball for `rekwatch`, rules written by
#      `rekwatch init`, type-checked against the package's declarations, synthesized with no AWS
#      credentials and cdk-nag's AwsSolutions checks on, the prebuilt evaluate bundle carrying the
#      app's rules and list overrides.
# Exit 0 when all pass; the first failure stops it. KEEP=1 keeps the temporary directory (named on
# stderr at the end).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/rekwatch-pack-test-XXXXXX")"
# Removed in the background on exit (two node_modules, one with aws-cdk-lib: tens of seconds here).
if [ "${KEEP:-}" != 1 ]; then trap '(rm -rf "$work" </dev/null >/dev/null 2>&1 &)' EXIT; fi
step() { printf 'pack-test: %s (%ss)\n' "$1" "$SECONDS"; }
fail() { echo "pack-test: FAILED: $*" >&2; exit 1; }
npm_offline() { npm "$@" --prefer-offline --no-audit --no-fund --loglevel=error; }

step "npm pack"
(cd "$repo" && npm pack --silent --pack-destination "$work" >/dev/null)
tarball="$(ls "$work"/rekwatch-*.tgz)"
# dist/ is the tarball's; the checkout goes back to running its sources (bin/rekwatch prefers dist/).
rm -rf "$repo/dist"

step "tarball contents"
tar -tzf "$tarball" | sed 's|^package/||' | sort >"$work/contents.txt"
for f in LICENSE docs/runbooks/root-user-activity.md bin/rekwatch dist/cli.js dist/entry.js dist/cdk.js dist/cdk.d.ts dist/lambda/evaluate/index.js rules/lists/trusted-networks.json schema/rule.schema.json README.md package.json; do
  grep -qx "$f" "$work/contents.txt" || fail "the tarball has no $f"
done
if grep -E '^(test|functions|infra|bench|scripts|examples)/|\.ts$' "$work/contents.txt" | grep -v '\.d\.ts$' | head -5 | grep -q .; then
  fail "the tarball ships sources or tests: $(grep -E '^(test|functions|infra|bench|scripts|examples)/|\.ts$' "$work/contents.txt" | grep -v '\.d\.ts$' | head -5 | tr '\n' ' ')"
fi
echo "  $(wc -l <"$work/contents.txt") files, $(du -k "$tarball" | cut -f1) KiB"

step "install the CLI from the tarball"
mkdir "$work/cli" && cd "$work/cli"
echo '{"name":"pack-test-cli","version":"0.0.0","private":true}' >package.json
npm_offline install "$tarball"
for unwanted in tsx typescript aws-cdk-lib; do
  [ ! -e "node_modules/$unwanted" ] || fail "installing the CLI also installed $unwanted"
done
# From here on nothing may come from the repository: run with a PATH and cwd of the install only.
rekwatch() { env -u REKWATCH_FROM_SOURCE -u NODE_PATH PATH="$work/cli/node_modules/.bin:$(dirname "$(command -v node)"):/usr/bin:/bin" node_modules/.bin/rekwatch "$@"; }
help="$(rekwatch --help)"
grep -q '^  init ' <<<"$help" || fail "--help does not list init"
# --help loads no command module's libraries (main.ts loads them per command).
node -e '
  require(process.argv[1]).main(["node", "rekwatch", "--help"]).then(() => {
    const heavy = Object.keys(require.cache).filter((f) => /node_modules\/(json-rules-engine|@aws-sdk|dynalite|ajv|nodemailer|pino)\//.test(f));
    if (heavy.length) { console.error("pack-test: FAILED: --help loaded " + heavy.slice(0, 3).join(", ")); process.exit(1); }
  });
' "$work/cli/node_modules/rekwatch/dist/cli.js" >/dev/null
[ "$(rekwatch --version)" = "$(node -p "require('$repo/package.json').version")" ] || fail "--version is not the package's"

step "rekwatch init, validate, test"
rekwatch init --example example/my-rules >/dev/null
[ "$(find example/my-rules -name '*.json' | wc -l)" = 2 ] || fail "init --example did not write one rule and one list"
rekwatch init >/dev/null
[ "$(find rules -maxdepth 1 -name '*.json' | wc -l)" = "$(find "$repo/rules" -maxdepth 1 -name '*.json' | wc -l)" ] || fail "init did not copy every rule of the pack"
if rekwatch init 2>"$work/init.err" >/dev/null; then fail "init overwrote existing files"; fi
grep -q 'exists (use --force' "$work/init.err" || fail "init's refusal does not say why: $(cat "$work/init.err")"
rekwatch init --force >/dev/null
rekwatch validate --strict --rules rules >/dev/null
rekwatch validate --strict --rules example/my-rules >/dev/null
rekwatch test --rules rules >/dev/null

step "rekwatch replay of the shipped samples"
samples=node_modules/rekwatch/samples/trail
rekwatch replay --json "$samples" >"$work/alerts.jsonl" 2>"$work/summary.txt"
rekwatch replay --json --workers 2 "$samples" >"$work/alerts-2.jsonl" 2>/dev/null
(cd "$repo" && REKWATCH_FROM_SOURCE=1 node bin/rekwatch replay --json samples/trail 2>/dev/null) >"$work/alerts-repo.jsonl"
[ -s "$work/alerts.jsonl" ] || fail "replay of the samples gave no alerts"
cmp -s "$work/alerts.jsonl" "$work/alerts-repo.jsonl" || fail "the installed CLI's alerts differ from the repository's"
cmp -s "$work/alerts.jsonl" "$work/alerts-2.jsonl" || fail "replay with --workers 2 differs from one thread"
echo "  $(wc -l <"$work/alerts.jsonl") alerts, as from the repository"

step "examples/cdk-app with the tarball"
cp -r "$repo/examples/cdk-app" "$work/app"
cd "$work/app"
rm -rf node_modules cdk.out security
npm_offline install "$tarball"
npx --no-install rekwatch init security/rekognition-rules >/dev/null
# The app type-checks against the package's declarations (rekwatch/cdk through its exports map).
npx --no-install tsc -p . || fail "the example app does not type-check against rekwatch/cdk"
# Synthesized as `cdk synth` would (the app's own cdk.json command), with no AWS credentials.
env -u AWS_PROFILE -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN CDK_OUTDIR="$work/app/cdk.out" npx --no-install tsx bin/app.ts \
  || fail "the example app did not synthesize (cdk-nag findings or an error above)"
template="$work/app/cdk.out/SecurityBaseline.template.json"
[ -f "$template" ] || fail "no template for the SecurityBaseline stack"
node -e '
  const t = require(process.argv[1]);
  const types = Object.values(t.Resources).map((r) => r.Type);
  const need = ["AWS::Lambda::Function", "AWS::SNS::Topic", "AWS::DynamoDB::Table", "AWS::Events::Rule", "AWS::CloudWatch::Alarm"];
  for (const n of need) if (!types.includes(n)) { console.error("pack-test: FAILED: the example template has no " + n); process.exit(1); }
  if (types.includes("AWS::CloudTrail::Trail")) { console.error("pack-test: FAILED: createTrail: false still created a trail"); process.exit(1); }
' "$template"
# The evaluate function deployed from the prebuilt bundle, with the app's rule pack inlined.
evaluate="$(grep -l '^"use strict";var __REKWATCH_PACK__=\|^var __REKWATCH_PACK__=' cdk.out/asset.*/index.js | head -1)"
[ -n "$evaluate" ] || fail "no evaluate asset with the rule pack inlined"
node -e '
  const src = require("fs").readFileSync(process.argv[1], "utf8").split("\n")[0];
  const pack = JSON.parse(new Function(src.replace(/^"use strict";/, "") + "; return __REKWATCH_PACK__;")());
  if (pack.rules.length !== Number(process.argv[2])) { console.error("pack-test: FAILED: the bundled pack has " + pack.rules.length + " rules"); process.exit(1); }
  const list = pack.lists["trusted-networks"] && pack.lists["trusted-networks"].items;
  if (!list || list.join() !== "10.0.0.0/8,203.0.113.0/24") { console.error("pack-test: FAILED: the lists prop did not replace trusted-networks: " + JSON.stringify(list)); process.exit(1); }
' "$evaluate" "$(find security/rekognition-rules -maxdepth 1 -name '*.json' | wc -l)"
node --check "$evaluate"
step "passed"
[ "${KEEP:-}" != 1 ] || echo "pack-test: kept $work" >&2
