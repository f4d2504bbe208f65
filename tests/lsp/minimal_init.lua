-- The Neovim configuration of workflow.lsp.neovim (tests/lsp/neovim_test.py): Neovim's own
-- LSP client, started by hand as a user's config would, against `nplus1 server`.
-- It opens a template, waits for its diagnostics, types select_related into the view's
-- buffer (unsaved) and waits for the template's diagnostics to go, asks for the template's
-- code actions and hover, stops the server, and writes what it saw to $NPLUS1_OUT as JSON.
local bin = os.getenv("NPLUS1_BIN")
local root = os.getenv("NPLUS1_ROOT")
local template = os.getenv("NPLUS1_TEMPLATE")
local view = os.getenv("NPLUS1_VIEW")
local out = os.getenv("NPLUS1_OUT")
local wait_ms = 120000
local result = { steps = {} }

local function finish()
  local f = assert(io.open(out, "w"))
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd("qall!")
end

local function step(name, ok)
  table.insert(result.steps, { name = name, ok = ok and true or false })
  return ok
end

-- The diagnostics of a buffer, as plain data.
local function diagnostics(buf)
  local list = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local lsp = d.user_data and d.user_data.lsp or {}
    table.insert(list, {
      lnum = d.lnum, col = d.col, severity = d.severity, source = d.source,
      message = d.message, code = lsp.code,
    })
  end
  return list
end

local function has_code(buf, code)
  for _, d in ipairs(diagnostics(buf)) do
    if d.code == code then
      return true
    end
  end
  return false
end

local exit_code = nil
local client_id = vim.lsp.start_client({
  name = "nplus1",
  cmd = { bin, "server", "--debounce-ms", "50" },
  root_dir = root,
  on_exit = function(code, signal)
    exit_code = code
  end,
})
if not step("the client started", client_id) then
  return finish()
end

vim.cmd("edit " .. vim.fn.fnameescape(template))
local tbuf = vim.api.nvim_get_current_buf()
vim.lsp.buf_attach_client(tbuf, client_id)
step("the template's NP101 is published",
  vim.wait(wait_ms, function() return has_code(tbuf, "NP101") end, 50))
result.template = diagnostics(tbuf)

-- Code actions and hover on the template's finding.
local d = result.template[1] or { lnum = 0, col = 0 }
local params = {
  textDocument = { uri = vim.uri_from_bufnr(tbuf) },
  range = { start = { line = d.lnum, character = d.col }, ["end"] = { line = d.lnum, character = d.col } },
  context = { diagnostics = {} },
}
local responses = vim.lsp.buf_request_sync(tbuf, "textDocument/codeAction", params, wait_ms) or {}
result.actions = {}
for _, r in pairs(responses) do
  for _, a in ipairs(r.result or {}) do
    local files = {}
    for uri, _ in pairs((a.edit or {}).changes or {}) do
      table.insert(files, vim.uri_to_fname(uri))
    end
    for _, change in ipairs((a.edit or {}).documentChanges or {}) do
      table.insert(files, vim.uri_to_fname(change.textDocument.uri))
    end
    table.insert(result.actions, { title = a.title, files = files })
  end
end
local hover = vim.lsp.buf_request_sync(tbuf, "textDocument/hover", {
  textDocument = params.textDocument, position = params.range.start }, wait_ms) or {}
for _, r in pairs(hover) do
  result.hover = r.result and r.result.contents and r.result.contents.value
end

-- The view, edited but not saved: the template's finding goes away.
vim.cmd("edit " .. vim.fn.fnameescape(view))
local vbuf = vim.api.nvim_get_current_buf()
vim.lsp.buf_attach_client(vbuf, client_id)
local lines = vim.api.nvim_buf_get_lines(vbuf, 0, -1, false)
for i, line in ipairs(lines) do
  if line == "    orders = Order.objects.all()" then
    vim.api.nvim_buf_set_lines(vbuf, i - 1, i, false,
      { "    orders = Order.objects.select_related('customer').all()" })
    break
  end
end
step("the view's buffer is modified, not written", vim.bo[vbuf].modified)
step("the template's NP101 goes with the view's unsaved fix",
  vim.wait(wait_ms, function() return not has_code(tbuf, "NP101") end, 50))
result.template_after = diagnostics(tbuf)

vim.lsp.stop_client(client_id)
step("the server exits", vim.wait(wait_ms, function() return exit_code ~= nil end, 50))
result.exit_code = exit_code
finish()
