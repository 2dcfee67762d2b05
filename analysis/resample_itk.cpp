#include "analysis/resample.h"

#include "analysis/itk_bridge.h"

#include <itkBSplineInterpolateImageFunction.h>
#include <itkGaussianInterpolateImageFunction.h>
#include <itkImage.h>
#include <itkLabelImageGaussianInterpolateImageFunction.h>
#include <itkLinearInterpolateImageFunction.h>
#include <itkNearestNeighborInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>
#include <itkWindowedSincInterpolateImageFunction.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>

namespace radnode::analysis {

namespace {

using ItkImage = itk::Image<double, 3>;
using ItkMask = itk::Image<std::uint8_t, 3>;
using InterpolatorPointer = itk::InterpolateImageFunction<ItkImage, double>::Pointer;


template <typename ItkType>
void setOutputGrid(itk::ResampleImageFilter<ItkType, ItkType, double>& filter, const Geometry& grid) {
    typename ItkType::SizeType size;
    typename ItkType::SpacingType spacing;
    typename ItkType::PointType origin;
    typename ItkType::DirectionType direction;
    for (unsigned a = 0; a < 3; ++a) {
        size[a] = grid.size[a];
        spacing[a] = grid.spacing[a];
        origin[a] = grid.origin[a];
        for (unsigned b = 0; b < 3; ++b) direction[a][b] = grid.direction[a * 3 + b];
    }
    filter.SetSize(size);
    filter.SetOutputSpacing(spacing);
    filter.SetOutputOrigin(origin);
    filter.SetOutputDirection(direction);
    filter.SetDefaultPixelValue(0);
}

template <typename Window>
InterpolatorPointer windowedSinc() {
    using Boundary = itk::ZeroFluxNeumannBoundaryCondition<ItkImage, ItkImage>;
    return itk::WindowedSincInterpolateImageFunction<ItkImage, 5, Window, Boundary, double>::New().GetPointer();
}

// SimpleITK's sitkCreateInterpolator, for a scalar image.
InterpolatorPointer makeInterpolator(Interpolator interpolator, const ItkImage& input) {
    switch (interpolator) {
    case Interpolator::NearestNeighbor:
        return itk::NearestNeighborInterpolateImageFunction<ItkImage, double>::New().GetPointer();
    case Interpolator::Linear:
        return itk::LinearInterpolateImageFunction<ItkImage, double>::New().GetPointer();
    case Interpolator::BSpline:
        return itk::BSplineInterpolateImageFunction<ItkImage, double>::New().GetPointer();
    case Interpolator::Gaussian: {
        auto gaussian = itk::GaussianInterpolateImageFunction<ItkImage, double>::New();
        itk::GaussianInterpolateImageFunction<ItkImage, double>::ArrayType sigma;
        for (unsigned a = 0; a < 3; ++a) sigma[a] = 0.8 * input.GetSpacing()[a];
        gaussian->SetSigma(sigma);
        return gaussian.GetPointer();
    }
    case Interpolator::LabelGaussian: {
        auto gaussian = itk::LabelImageGaussianInterpolateImageFunction<ItkImage, double>::New();
        itk::LabelImageGaussianInterpolateImageFunction<ItkImage, double>::ArrayType sigma;
        for (unsigned a = 0; a < 3; ++a) sigma[a] = input.GetSpacing()[a];
        gaussian->SetSigma(sigma);
        gaussian->SetAlpha(1.0);
        return gaussian.GetPointer();
    }
    case Interpolator::HammingWindowedSinc:
        return windowedSinc<itk::Function::HammingWindowFunction<5, double, double>>();
    case Interpolator::CosineWindowedSinc:
        return windowedSinc<itk::Function::CosineWindowFunction<5, double, double>>();
    case Interpolator::WelchWindowedSinc:
        return windowedSinc<itk::Function::WelchWindowFunction<5, double, double>>();
    case Interpolator::LanczosWindowedSinc:
        return windowedSinc<itk::Function::LanczosWindowFunction<5, double, double>>();
    case Interpolator::BlackmanWindowedSinc:
        return windowedSinc<itk::Function::BlackmanWindowFunction<5, double, double>>();
    }
    throw std::invalid_argument("unknown interpolator");
}

template <typename Integer>
double clampAndTruncate(double value) {
    constexpr double lowest = static_cast<double>(std::numeric_limits<Integer>::lowest());
    constexpr double highest = static_cast<double>(std::numeric_limits<Integer>::max());
    if (value <= lowest) return lowest;
    if (value >= highest) return highest;
    return static_cast<double>(static_cast<Integer>(value));
}

double toStoredType(double value, StoredType type) {
    switch (type) {
    case StoredType::Float64: return value;
    case StoredType::Float32: return static_cast<double>(static_cast<float>(value));
    case StoredType::Int8: return clampAndTruncate<std::int8_t>(value);
    case StoredType::UInt8: return clampAndTruncate<std::uint8_t>(value);
    case StoredType::Int16: return clampAndTruncate<std::int16_t>(value);
    case StoredType::UInt16: return clampAndTruncate<std::uint16_t>(value);
    case StoredType::Int32: return clampAndTruncate<std::int32_t>(value);
    case StoredType::UInt32: return clampAndTruncate<std::uint32_t>(value);
    }
    return value;
}

template <typename ItkType>
void runResample(typename itk::ResampleImageFilter<ItkType, ItkType, double>::Pointer& filter) {
    try {
        filter->Update();
    } catch (const itk::ExceptionObject& error) {
        throw std::runtime_error(std::string("resampling failed: ") + error.GetDescription());
    }
}

} // namespace

Image resampleOntoGrid(const Image& image, const Geometry& grid, Interpolator interpolator) {
    const auto input = itkbridge::toItk<ItkImage>(image.geometry, &image.voxels);
    auto filter = itk::ResampleImageFilter<ItkImage, ItkImage, double>::New();
    filter->SetInput(input);
    filter->SetInterpolator(makeInterpolator(interpolator, *input));
    setOutputGrid(*filter, grid);
    runResample<ItkImage>(filter);

    Image out{grid, {}, image.storedType};
    const double* first = filter->GetOutput()->GetBufferPointer();
    out.voxels.assign(first, first + grid.voxelCount());
    for (double& value : out.voxels) value = toStoredType(value, image.storedType);
    return out;
}

Mask resampleOntoGrid(const Mask& mask, const Geometry& grid) {
    const auto input = itkbridge::toItk<ItkMask>(mask.geometry, &mask.voxels);
    auto filter = itk::ResampleImageFilter<ItkMask, ItkMask, double>::New();
    filter->SetInput(input);
    filter->SetInterpolator(itk::NearestNeighborInterpolateImageFunction<ItkMask, double>::New());
    setOutputGrid(*filter, grid);
    runResample<ItkMask>(filter);

    Mask out{grid, {}};
    const std::uint8_t* first = filter->GetOutput()->GetBufferPointer();
    out.voxels.assign(first, first + grid.voxelCount());
    return out;
}

} // namespace radnode::analysis
