// highlight.js with its common languages and a few more. A JavaScript module with its own declarations
// (hljs-loader.d.mts), because highlight.js's declarations pull in the DOM library, which retypes Node's
// globals (fetch's Headers loses its iterator) for the whole project.
import hljs from 'highlight.js/lib/common';
import dart from 'highlight.js/lib/languages/dart';
import dockerfile from 'highlight.js/lib/languages/dockerfile';
import elixir from 'highlight.js/lib/languages/elixir';
import haskell from 'highlight.js/lib/languages/haskell';
import latex from 'highlight.js/lib/languages/latex';
import nginx from 'highlight.js/lib/languages/nginx';
import powershell from 'highlight.js/lib/languages/powershell';
import protobuf from 'highlight.js/lib/languages/protobuf';
import scala from 'highlight.js/lib/languages/scala';

const extra = { dart, dockerfile, elixir, haskell, latex, nginx, powershell, protobuf, scala };
for (const [name, language] of Object.entries(extra)) hljs.registerLanguage(name, language);

export default hljs;
