// The bundle's entry: the page's styles, then the app (esbuild emits app.css and app.js).
import './style.css'
import './main.js'
