// The forms to the centre's server (theme/site/forms.html) work without this script: the
// browser checks what is required and that an address looks like one. This only words
// those checks in Japanese, from each field's data-sb-missing and data-sb-mismatch.
(() => {
  "use strict";
  const message = (field) => {
    if (field.validity.valueMissing) return field.dataset.sbMissing || "";
    if (field.validity.typeMismatch) return field.dataset.sbMismatch || "";
    return "";
  };
  const group = (field) =>
    field.type === "radio" || field.type === "checkbox"
      ? [...field.form.querySelectorAll("input")].filter((other) => other.name === field.name)
      : [field];
  for (const form of document.querySelectorAll("form.sb-form")) {
    form.addEventListener(
      "invalid",
      (event) => {
        const field = event.target;
        field.setCustomValidity("");
        if (!field.validity.valid) field.setCustomValidity(message(field));
      },
      true,
    );
    const clear = (event) => {
      for (const field of group(event.target)) field.setCustomValidity("");
    };
    form.addEventListener("input", clear);
    form.addEventListener("change", clear);
  }
})();
