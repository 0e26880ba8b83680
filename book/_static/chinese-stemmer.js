/* Sphinx 9.0 ends the Chinese edition's language_data.js with
   `window.Stemmer = ChineseStemmer;`, a class nothing defines, so every search threw a
   ReferenceError (sphinx-doc/sphinx#14229). Chinese pages stem their Latin words with the
   English Snowball stemmer, which the same file defines: ChineseStemmer makes one.
   book/conf.py loads this script, before language_data.js, on Chinese pages only. */
function ChineseStemmer() {
  return new EnglishStemmer();
}
