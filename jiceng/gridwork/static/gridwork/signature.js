/* Signatures drawn with a finger on a canvas; the PNG goes into the form's hidden input on submit. */
(function () {
  "use strict";
  document.querySelectorAll("canvas.signature").forEach((canvas) => {
    const input = document.getElementById(canvas.dataset.target);
    const ctx = canvas.getContext("2d");
    let drawing = false;
    let drawn = false;
    function fit() {
      const rect = canvas.getBoundingClientRect();
      canvas.width = Math.max(1, Math.round(rect.width));
      canvas.height = Math.max(1, Math.round(rect.height));
      ctx.lineWidth = 2.5;
      ctx.lineCap = "round";
      ctx.strokeStyle = "#111";
    }
    fit();
    function point(ev) {
      const rect = canvas.getBoundingClientRect();
      return [ev.clientX - rect.left, ev.clientY - rect.top];
    }
    canvas.addEventListener("pointerdown", (ev) => {
      drawing = true;
      canvas.setPointerCapture(ev.pointerId);
      const [x, y] = point(ev);
      ctx.beginPath();
      ctx.moveTo(x, y);
    });
    canvas.addEventListener("pointermove", (ev) => {
      if (!drawing) return;
      const [x, y] = point(ev);
      ctx.lineTo(x, y);
      ctx.stroke();
      drawn = true;
      input.value = canvas.toDataURL("image/png");
    });
    const stop = () => { drawing = false; if (drawn) input.value = canvas.toDataURL("image/png"); };
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    const clear = document.querySelector(`button[data-clear="${canvas.id}"]`);
    if (clear) clear.addEventListener("click", () => { fit(); drawn = false; input.value = ""; });
  });
})();
