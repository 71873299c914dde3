/** Admin page (/admin): placeholder until the admin API lands. */
export function Admin() {
  return <main class="admin"><h1>Banter admin</h1></main>;
}
