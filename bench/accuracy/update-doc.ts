/**
 * Rewrites the Accuracy section of BENCHMARKS.md from the last run's artifact:
 *
 *     npm run bench -- accuracy            # writes artifacts/bench-accuracy.json
 *     node --import tsx bench/accuracy/update-doc.ts [artifact.json]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type AccuracyArtifact, generated, withSection } from './doc-section.js';

const DOC = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));
const artifactPath = process.argv[2] ?? fileURLToPath(new URL('../../artifacts/bench-accuracy.json', import.meta.url));
const artifact = JSON.parse(readFileSync(artifactPath, 'utf8')) as AccuracyArtifact;
writeFileSync(DOC, withSection(readFileSync(DOC, 'utf8'), generated(artifact)));
console.error(`updated the Accuracy section of ${DOC} from ${artifactPath}`);
