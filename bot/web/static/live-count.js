// The campaign form's live audience count: a preview of the form as it stands, fetched
// from the same page whenever a field changes. Without JavaScript, the Preview button does
// the same with a page load.
(function () {
  const form = document.getElementById("campaign");
  const preview = document.getElementById("preview");
  if (!form || !preview) return;
  let timer = null;
  async function refresh() {
    const data = new FormData(form);
    data.set("go", "preview");
    const response = await fetch(form.action || location.href, {
      method: "POST", body: data, credentials: "same-origin",
    });
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.getElementById("preview");
    const errors = page.querySelector(".errors");
    preview.innerHTML = fresh ? fresh.innerHTML : "";
    if (errors) preview.insertAdjacentHTML("afterbegin", errors.outerHTML);
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });
})();
